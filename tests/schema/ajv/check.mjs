// Every schema of topics-schema/ compiles in Ajv's strict mode (draft 2020-12, with
// ajv-formats for date-time) with no error and no warning, and Ajv accepts every good
// example. A bad example that Ajv accepts must be bad for one of papo's rules beyond
// JSON Schema (papo-rules.json, duplicate keys, nesting, not UTF-8): those are listed.
// Run: node tests/schema/ajv/check.mjs (after scripts/npm-ci.sh tests/schema/ajv).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const schemaDir = join(here, '..', '..', '..', 'topics-schema');
const examplesDir = join(here, '..', 'examples');
const problems = [];
const warnings = [];
const logger = { log() {}, warn: (...a) => warnings.push(a.join(' ')), error: (...a) => warnings.push(a.join(' ')) };
const ajv = new Ajv2020({ strict: true, allErrors: true, logger });
addFormats(ajv);

let good = 0;
const papoOnly = [];
for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json')).sort()) {
  const name = file.slice(0, -'.schema.json'.length);
  let validate;
  try {
    validate = ajv.compile(JSON.parse(readFileSync(join(schemaDir, file), 'utf8')));
  } catch (e) {
    problems.push(`${file}: Ajv strict refuses it: ${e.message}`);
    continue;
  }
  for (const example of readdirSync(join(examplesDir, name)).sort()) {
    let document;
    try {
      document = JSON.parse(readFileSync(join(examplesDir, name, example), 'utf8'));
    } catch {
      if (example.startsWith('good-')) problems.push(`${name}/${example}: not JSON`);
      else papoOnly.push(`${name}/${example}`);
      continue;
    }
    const valid = validate(document);
    if (example.startsWith('good-')) {
      good += 1;
      if (!valid) problems.push(`${name}/${example}: Ajv refuses a good example: ${ajv.errorsText(validate.errors)}`);
    } else if (valid) {
      papoOnly.push(`${name}/${example}`);
    }
  }
}
for (const w of warnings) problems.push(`Ajv warned: ${w}`);
console.log(`Ajv strict: ${good} good examples accepted; bad only by papo's own rules: ${papoOnly.join(', ') || 'none'}`);
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
