#!/usr/bin/python3
"""Checks papo's wire traffic against topics-schema/.

  validate.py --traffic FILE     FILE holds `mosquitto_sub -v` output ("topic payload" per line);
                                 each payload is validated against the schema of its topic
  validate.py SCHEMA FILE|-      validates one JSON document against SCHEMA (e.g. message)
  validate.py --self-test        every schema is valid; good/bad examples behave

Exit 0 when everything validates, 1 otherwise (each problem on stderr).
"""
import json
import pathlib
import re
import sys

import jsonschema

SCHEMA_DIR = pathlib.Path(__file__).resolve().parents[2] / "topics-schema"
NAME = r"[^/+#$~\s]+"
TOPIC_SCHEMAS = [
    (re.compile(rf"^users/{NAME}/inbox/{NAME}$"), "message"),
    (re.compile(rf"^topics/{NAME}/{NAME}$"), "message"),
    (re.compile(rf"^users/{NAME}/receipts/{NAME}$"), "receipt"),
    (re.compile(rf"^presence/{NAME}$"), "presence"),
    (re.compile(rf"^registry/users/{NAME}$"), "registry-user"),
    (re.compile(rf"^registry/topics/{NAME}$"), "registry-topic"),
    (re.compile(rf"^registry/queues/{NAME}$"), "registry-queue"),
    (re.compile(rf"^server/v1/request/{NAME}$"), "request"),
    (re.compile(rf"^server/v1/response/{NAME}/{NAME}$"), "response"),
    (re.compile(rf"^server/v1/sync/{NAME}$"), None),
]


def validator(name):
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def problems(name, document):
    return [e.message for e in validator(name).iter_errors(document)]


def check_traffic(path):
    failures, checked, counts = 0, 0, {}
    for number, line in enumerate(pathlib.Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        topic, _, payload = line.partition(" ")
        for pattern, schema in TOPIC_SCHEMAS:
            if pattern.match(topic):
                break
        else:
            print(f"line {number}: topic {topic!r} is not in the topic tree", file=sys.stderr)
            failures += 1
            continue
        # The sync barrier; and an empty retained payload (printed "(null)") deletes an entry.
        if schema is None or payload in ("", "(null)"):
            continue
        try:
            document = json.loads(payload)
        except json.JSONDecodeError as e:
            print(f"line {number}: {topic}: not JSON: {e}", file=sys.stderr)
            failures += 1
            continue
        errors = problems(schema, document)
        checked += 1
        counts[schema] = counts.get(schema, 0) + 1
        for error in errors:
            print(f"line {number}: {topic}: {schema}: {error}", file=sys.stderr)
        failures += bool(errors)
    print(f"checked {checked} payloads {counts}; {failures} failed")
    return failures == 0 and checked > 0


def self_test():
    ok = True
    examples = pathlib.Path(__file__).resolve().parent / "examples"
    for schema_file in sorted(SCHEMA_DIR.glob("*.schema.json")):
        name = schema_file.name[: -len(".schema.json")]
        validator(name)  # raises if the schema itself is invalid
        for example in sorted((examples / name).glob("*.json")):
            errors = problems(name, json.loads(example.read_text()))
            expected_good = example.name.startswith("good")
            if expected_good == bool(errors):
                print(f"{name}/{example.name}: expected {'valid' if expected_good else 'invalid'}: {errors}", file=sys.stderr)
                ok = False
    print("self-test", "passed" if ok else "FAILED")
    return ok


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return 0 if self_test() else 1
    if len(argv) == 3 and argv[1] == "--traffic":
        return 0 if check_traffic(argv[2]) else 1
    if len(argv) == 3:
        text = sys.stdin.read() if argv[2] == "-" else pathlib.Path(argv[2]).read_text()
        errors = problems(argv[1], json.loads(text))
        for error in errors:
            print(error, file=sys.stderr)
        return 1 if errors else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
