#!/usr/bin/python3
"""Debian's python3-jsonschema, used plainly (no papo extensions, as a device author would):
every schema of topics-schema/ is a valid draft 2020-12 schema that it takes without
errors, and it accepts every good example. Bad examples it accepts are bad by papo's own
rules (papo-rules.json and the rules validate.py adds): they are listed, not failed.
Run: /usr/bin/python3 tests/schema/plain_check.py"""
import importlib.metadata
import json
import pathlib
import sys
import warnings

import jsonschema

HERE = pathlib.Path(__file__).resolve().parent
SCHEMA_DIR = HERE.parents[1] / "topics-schema"
problems, papo_only, good = [], [], 0
warnings.simplefilter("error")  # a deprecation or unknown-format warning counts as a problem
for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
    name = path.name[: -len(".schema.json")]
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        problems.append(f"{path.name}: {e}")
        continue
    for example in sorted((HERE / "examples" / name).glob("*.json")):
        try:
            document = json.loads(example.read_bytes())
        except ValueError:
            (problems.append if example.name.startswith("good-") else papo_only.append)(f"{name}/{example.name}")
            continue
        errors = list(validator.iter_errors(document))
        if example.name.startswith("good-"):
            good += 1
            if errors:
                problems.append(f"{name}/{example.name}: refused: {errors[0].message}")
        elif not errors:
            papo_only.append(f"{name}/{example.name}")
print(f"python3-jsonschema {importlib.metadata.version('jsonschema')}: {good} good examples accepted; "
      f"bad only by papo's own rules: {', '.join(papo_only) or 'none'}")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
