#!/usr/bin/python3
"""Checks papo payloads against the public contract in topics-schema/.

usage:
  validate.py SCHEMA FILE|-             one JSON document (FILE, or stdin for -)
  validate.py --lines SCHEMA FILE|-     one JSON document per line (blank lines skipped)
  validate.py --topic TOPIC FILE|-      the payload of one MQTT topic: the schema is chosen
                                        from the topic, whose levels are checked as well
  validate.py --traffic FILE            `mosquitto_sub -v` output ("topic payload" per line)
  validate.py --list                    the schema names
  validate.py --self-test               schemas are valid and agree with papo's rules;
                                        tests/schema/examples/ behave as named

SCHEMA is a file name in topics-schema/ without ".schema.json": message, receipt, presence,
registry-user, registry-topic, registry-queue, request, response, sync, broker-epoch,
server-status.

Besides the JSON Schema itself, every payload is checked the way papo reads it: valid
UTF-8, strict JSON (no NaN, no duplicate keys, no lone surrogates), nested at most 32
levels, at most topics-schema/papo-rules.json's maxPayloadBytes bytes; strings at most its
maxBytes bytes of UTF-8; names (its papoName) by papo's name rules; times as RFC 3339 UTC.

Exit status: 0 every document is valid, 1 something is not (each problem on stderr),
2 wrong usage or a file that cannot be read. Needs only Debian's python3-jsonschema.
"""
import argparse
import collections
import datetime
import functools
import io
import json
import pathlib
import re
import sys
import tempfile

import jsonschema
from jsonschema.exceptions import ValidationError

HERE = pathlib.Path(__file__).resolve().parent
SCHEMA_DIR = HERE.parents[1] / "topics-schema"
EXAMPLES_DIR = HERE / "examples"
META_SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
MAX_DEPTH = 32  # papo refuses JSON nested deeper (core/src/messages.cpp)
SHARED_DEFS = ("name", "timestamp", "message-id")  # copied into several schemas; must stay identical


# ---------------------------------------------------------------- papo's rules, in Python

def _is_whitespace(c):
    # core/src/names.cpp is_whitespace
    return (c == 0x20 or 0x09 <= c <= 0x0D or c in (0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF)
            or 0x2000 <= c <= 0x200B)


def _is_control(c):
    return c < 0x20 or 0x7F <= c <= 0x9F


def name_problem(name):
    """Why `name` is not a valid papo name, or None: a port of papo::name_problem."""
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    if size == 0:
        return "is empty"
    if size > 64:
        return f"is too long ({size} bytes, at most 64)"
    if name[:5].encode("ascii", "replace").lower() == b"papo-":
        return "starts with 'papo-', which is reserved for papo's own services"
    if name in (".", ".."):
        return "is reserved"
    for ch in name:
        c = ord(ch)
        if ch in "/+#$":
            return f"contains '{ch}' (an MQTT topic separator, wildcard or system prefix)"
        if ch == "~":
            return "contains '~', which papo reserves for client ids"
        if _is_control(c):
            return "contains a control character"
        if _is_whitespace(c):
            return "contains whitespace"
    return None


_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))\Z", re.ASCII)


def date_time_problem(text):
    m = _RFC3339.match(text)
    if not m:
        return "is not an RFC 3339 date-time"
    year, month, day, hour, minute, second = (int(x) for x in m.groups()[:6])
    try:
        datetime.datetime(year, month, day, hour, minute, min(second, 59))  # 60: a leap second
    except ValueError as e:
        return f"is not a real time ({e})"
    if second > 60 or (m.group(9) and (int(m.group(9)) > 23 or int(m.group(10)) > 59)):
        return "is not a real time"
    return None


# ---------------------------------------------------------------- the validator

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("papo-name", raises=ValueError)
def _check_name(instance):
    if isinstance(instance, str) and (problem := name_problem(instance)):
        raise ValueError(problem)
    return True


@FORMATS.checks("date-time", raises=ValueError)
def _check_date_time(instance):
    if isinstance(instance, str) and (problem := date_time_problem(instance)):
        raise ValueError(problem)
    return True


@functools.lru_cache(maxsize=None)
def ecma_regex(pattern):
    """JSON Schema patterns are ECMA-262 regexes, whose final $ is the end of the input;
    Python's $ also matches before a final newline ("alice\\n" would pass as a name)."""
    if pattern.endswith("$"):
        backslashes = len(pattern[:-1]) - len(pattern[:-1].rstrip("\\"))
        if backslashes % 2 == 0:  # an unescaped $
            pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{_short(instance)} does not match {pattern!r}")


def _max_bytes(validator, limit, instance, schema):
    if validator.is_type(instance, "string"):
        size = len(instance.encode("utf-8", "surrogatepass"))
        if size > limit:
            yield ValidationError(f"{_short(instance)} is {size} bytes of UTF-8, more than {limit}")


Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, validators={"pattern": _pattern, "x-papo-maxBytes": _max_bytes})


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "...'"


def schema_names():
    return sorted(p.name[: -len(".schema.json")] for p in SCHEMA_DIR.glob("*.schema.json"))


@functools.lru_cache(maxsize=None)
def load_schema(name):
    path = SCHEMA_DIR / f"{name}.schema.json"
    if not path.is_file():
        raise UsageError(f"no schema '{name}' (there is no {path}); the schemas are: {', '.join(schema_names())}")
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise UsageError(f"{path} is not JSON: {e}")
    return with_papo_rules(name, schema)


@functools.lru_cache(maxsize=None)
def papo_rules():
    return json.loads((SCHEMA_DIR / "papo-rules.json").read_text(encoding="utf-8"))


def _at(schema, pointer):
    node = schema
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def with_papo_rules(name, schema):
    """The schema with papo's rules of papo-rules.json as keywords of this validator only:
    x-papo-maxPayloadBytes, x-papo-maxBytes and format papo-name. The files stay free of
    them, so that any validator (Ajv strict) takes them."""
    rules = papo_rules()
    if name in rules["maxPayloadBytes"]:
        schema["x-papo-maxPayloadBytes"] = rules["maxPayloadBytes"][name]
    for pointer, limit in rules["maxBytes"].get(name, {}).items():
        _at(schema, pointer)["x-papo-maxBytes"] = limit
    for pointer in rules["papoName"].get(name, []):
        _at(schema, pointer)["format"] = "papo-name"
    return schema


@functools.lru_cache(maxsize=None)
def validator(name):
    schema = load_schema(name)
    try:
        Validator.check_schema(schema)
    except jsonschema.SchemaError as e:
        raise UsageError(f"{name}.schema.json is not a valid JSON Schema: at {_path(e)}: {e.message}")
    return Validator(schema, format_checker=FORMATS)


class UsageError(Exception):
    """Exit status 2: wrong arguments (usage shown), or a file or schema that cannot be used."""

    def __init__(self, message, show_usage=False):
        super().__init__(message)
        self.show_usage = show_usage


# ---------------------------------------------------------------- reading a payload like papo does

def _no_duplicates(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen.add(key)
    return dict(pairs)


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def nesting_depth(text):
    """Deepest nesting of [ and { outside strings, measured before parsing as papo does."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _lone_surrogate(value):
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_lone_surrogate(k) or _lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_lone_surrogate(v) for v in value)
    return False


def parse_payload(raw, limit):
    """(document, problems): raw bytes read the way papo's decode() reads them."""
    if len(raw) > limit:
        return None, [f"payload is {len(raw)} bytes, more than the limit of {limit}"]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, [f"payload is not valid UTF-8 ({e.reason} at byte {e.start})"]
    if nesting_depth(text) > MAX_DEPTH:
        return None, [f"payload JSON is nested deeper than {MAX_DEPTH} levels"]
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except ValueError as e:
        return None, [f"payload is not valid JSON: {e}"]
    if _lone_surrogate(document):
        return None, ["payload has a \\u escape of a lone UTF-16 surrogate (not UTF-8 text)"]
    return document, []


def _path(error):
    return "/" + "/".join(str(p) for p in error.absolute_path)


def _leaves(error):
    """The errors that say what is wrong. For a oneOf/anyOf (one branch per command), the
    branch whose discriminators (a const or enum on a top-level property such as
    "command" or "ok") matched tells more than "not valid under any of the given schemas"."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches = collections.defaultdict(list)
    for e in error.context:
        branches[e.relative_schema_path[0]].append(e)

    def discriminators(errors):
        return [e for e in errors if e.validator in ("const", "enum") and len(e.relative_path) == 1]

    chosen = [errors for errors in branches.values() if not discriminators(errors)]
    if len(chosen) == 1:
        return [leaf for e in chosen[0] for leaf in _leaves(e)]
    allowed = collections.defaultdict(list)
    for index, branch in enumerate(error.validator_value):
        for key, sub in branch.get("properties", {}).items():
            values = [sub["const"]] if "const" in sub else sub.get("enum", [])
            allowed[key].extend(json.dumps(v) for v in values if json.dumps(v) not in allowed[key])
    failing = collections.Counter(e.relative_path[0] for errors in branches.values() for e in discriminators(errors))
    # Name the discriminators every alternative refused; or else the combination none takes.
    keys = [key for key, n in failing.items() if n == len(branches)]
    hints = [f"{key} must be one of {', '.join(allowed[key])}" for key in keys if allowed[key]]
    if not hints and failing and isinstance(error.instance, dict):
        hints = ["none is for " + ", ".join(f"{key} {json.dumps(error.instance[key])}" for key in failing
                                            if key in error.instance)]
    error.message = f"matches none of the {len(error.validator_value)} alternatives" + (
        f" ({'; '.join(hints)})" if hints else "")
    error.papo_hinted = bool(hints)
    return [error]


def schema_problems(name, document):
    """Human-readable problems of a parsed document under a schema ([] when valid)."""
    leaves = [leaf for e in validator(name).iter_errors(document) for leaf in _leaves(e)]
    by_path = collections.defaultdict(set)
    for e in leaves:
        by_path[_path(e)].add(e.validator)
    problems = []
    for e in sorted(leaves, key=lambda e: (_path(e), e.message)):
        where, kinds = _path(e), by_path[_path(e)]
        # Say each thing once: a format error (a name's or a time's) gives the real reason,
        # and a byte limit is more exact than a character limit.
        if "format" in kinds and e.validator in ("pattern", "minLength", "maxLength", "x-papo-maxBytes"):
            continue
        if "x-papo-maxBytes" in kinds and e.validator == "maxLength":
            continue
        if e.validator in ("oneOf", "anyOf") and not getattr(e, "papo_hinted", True) and len(kinds) > 1:
            continue  # e.g. "command" is missing: that error says it all
        message = e.message
        if e.validator == "format" and e.cause:
            message = f"{_short(e.instance)} is not a valid {e.validator_value}: it {e.cause}"
        elif e.validator == "pattern" and "title" in e.schema:
            message += f" (expected {e.schema['title']})"
        if len(message) > 400:
            message = message[:390] + " [...]"
        problems.append(f"at {where}: {message}")
    problems.extend(_consistency_problems(name, document))
    return list(dict.fromkeys(problems))


def _consistency_problems(name, document):
    if name == "registry-queue" and isinstance(document, dict):
        # The ids listed in all: those of unknown sender and those per sender.
        pending, by_sender, messages = document.get("pending"), document.get("pending_from", {}), document.get("messages")
        listed = len(pending) if isinstance(pending, list) else 0
        if isinstance(by_sender, dict):
            listed += sum(len(ids) for ids in by_sender.values() if isinstance(ids, list))
        problems = []
        if listed > 50000:
            problems.append(f"at /pending_from: {listed} ids are listed in pending and pending_from, more than 50000")
        if isinstance(messages, int) and messages < listed:
            problems.append(f"at /messages: {messages} is less than the number of listed ids ({listed})")
        return problems
    return []


def check_payload(name, raw):
    """Problems of one raw payload (bytes) under schema `name`."""
    document, problems = parse_payload(raw, load_schema(name).get("x-papo-maxPayloadBytes", 65536))
    return (document, problems) if problems else (document, schema_problems(name, document))


# ---------------------------------------------------------------- topics (core/src/topics.cpp)

def _name(level, what):
    problem = name_problem(level)
    return [] if problem is None else [f"the {what} level {_short(level)} {problem}"]


def _any_level(level, what):
    if not level or any(ch in level for ch in "+#"):
        return [f"the {what} level {_short(level)} is empty or holds a wildcard"]
    return []


def route(topic):
    """(schema, retained_may_be_empty, problems, checks) for a topic; schema None when the
    topic is not part of papo's tree. checks(document) gives topic/payload mismatches."""
    levels = topic.split("/")
    n, first = len(levels), levels[0]
    same_name = lambda document: ([] if not isinstance(document, dict) or document.get("name") == levels[-1] else
                                  [f"at /name: {_short(document.get('name'))} is not the topic's name level "
                                   f"{_short(levels[-1])}"])
    none = lambda document: []
    if n == 4 and first == "users" and levels[2] == "inbox":
        return "message", False, _name(levels[1], "recipient") + _name(levels[3], "sender"), none
    if n == 4 and first == "users" and levels[2] == "receipts":
        return "receipt", False, _name(levels[1], "sender") + _name(levels[3], "reader"), none
    if n == 3 and first == "topics":
        return "message", False, _name(levels[1], "topic") + _name(levels[2], "sender"), none
    if n == 2 and first == "presence":
        return "presence", True, _name(levels[1], "name"), none
    if n == 3 and first == "registry" and levels[1] in ("users", "topics", "queues"):
        return "registry-" + levels[1][:-1], True, _name(levels[2], "name"), same_name
    if n == 4 and levels[:3] == ["server", "v1", "request"]:
        asker = levels[3]
        service = asker.startswith("papo-") and name_problem(asker[5:]) is None
        return "request", False, [] if service else _name(asker, "asker"), none
    if n == 5 and levels[:3] == ["server", "v1", "response"]:
        return "response", False, _any_level(levels[3], "asker") + _any_level(levels[4], "nonce"), none
    if topic == "broker/epoch":
        return "broker-epoch", False, [], none
    if topic == "server/v1/status":
        return "server-status", False, [], none
    if n == 4 and levels[:3] == ["server", "v1", "sync"]:
        return "sync", False, _any_level(levels[3], "nonce"), none
    return None, False, [f"topic {_short(topic)} is not part of papo's topic tree"], none


def check_topic_payload(topic, raw):
    """Problems of one message: its topic and its payload (b"" for an empty payload)."""
    schema, may_be_empty, problems, checks = route(topic)
    if schema is None:
        return schema, problems
    if raw == b"":
        if not may_be_empty:
            problems.append("empty payload (only a retained registry or presence entry may be empty: it deletes it)")
        return schema, problems
    document, payload_problems = check_payload(schema, raw)
    problems += payload_problems
    if document is not None and not payload_problems:
        problems += checks(document)
    return schema, problems


# ---------------------------------------------------------------- commands

def read_input(source):
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return pathlib.Path(source).read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {source}: {e.strerror}")


def _label(source):
    return "stdin" if source == "-" else source


def _report(where, problems, out):
    for problem in problems:
        print(f"{where}: {problem}", file=out)


def cmd_document(schema, source, out, err):
    load_schema(schema)
    _, problems = check_payload(schema, read_input(source))
    if problems:
        _report(f"{_label(source)}: not a valid {schema} payload", problems, err)
        return 1
    print(f"{_label(source)}: valid {schema} payload", file=out)
    return 0


def _lines(raw):
    for number, line in enumerate(raw.split(b"\n"), 1):
        line = line.rstrip(b"\r")
        if line.strip():
            yield number, line


def cmd_lines(schema, source, out, err):
    load_schema(schema)
    checked = failed = 0
    for number, line in _lines(read_input(source)):
        checked += 1
        _, problems = check_payload(schema, line)
        failed += bool(problems)
        _report(f"{_label(source)}:{number}", problems, err)
    if checked == 0:
        print(f"{_label(source)}: no documents", file=err)
        return 1
    print(f"{_label(source)}: {checked - failed} of {checked} {schema} documents valid", file=out if not failed else err)
    return 1 if failed else 0


def cmd_topic(topic, source, out, err):
    raw = read_input(source)
    schema, problems = check_topic_payload(topic, raw.strip() if raw.strip() == b"" else raw)
    if problems:
        _report(f"{topic}", problems, err)
        return 1
    print(f"{topic}: valid {schema} payload" if raw.strip() else f"{topic}: empty payload (deletes the entry)", file=out)
    return 0


def cmd_traffic(source, out, err):
    """mosquitto_sub -v output: "topic payload" per line; an empty payload shows as (null)."""
    checked, failed, counts = 0, 0, collections.Counter()
    for number, line in _lines(read_input(source)):
        topic_bytes, _, payload = line.partition(b" ")
        try:
            topic = topic_bytes.decode("utf-8")
        except UnicodeDecodeError:
            _report(f"{_label(source)}:{number}", ["the topic is not UTF-8"], err)
            failed += 1
            continue
        if payload == b"(null)":
            payload = b""
        schema, problems = check_topic_payload(topic, payload)
        checked += 1
        counts[schema or "not in the tree"] += 1
        failed += bool(problems)
        _report(f"{_label(source)}:{number}: {topic}", problems, err)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"{_label(source)}: checked {checked} messages ({summary}); {failed} failed",
          file=out if checked and not failed else err)
    return 0 if checked and not failed else 1


# ---------------------------------------------------------------- self-test

def _bmp_names():
    for c in range(0x10000):
        if not 0xD800 <= c <= 0xDFFF:
            yield chr(c), "a" + chr(c) + "b"


def self_test(out, err):
    failures = []
    fail = failures.append
    names = schema_names()
    meta = jsonschema.Draft202012Validator

    # 1. Every schema is a valid draft 2020-12 schema with papo's conventions.
    shared, broken = {}, set()
    for name in names:
        try:
            schema = load_schema(name)
            Validator.check_schema(schema)
            meta.check_schema(schema)
        except (UsageError, jsonschema.SchemaError) as e:
            fail(f"{name}.schema.json is not a valid schema: {getattr(e, 'message', e)}")
            broken.add(name)
            continue
        raw = (SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8")
        if re.search(r'"x-|"format": "(?!date-time")', raw):
            fail(f"{name}.schema.json: an extension keyword or a format other than date-time: Ajv strict refuses it "
                 "(papo's rules go in papo-rules.json)")
        if schema.get("$schema") != META_SCHEMA_URI:
            fail(f"{name}.schema.json: $schema is not {META_SCHEMA_URI}")
        if schema.get("$id") != f"urn:papo:topics-schema:{name}":
            fail(f"{name}.schema.json: $id is not urn:papo:topics-schema:{name}")
        for key in ("title", "description", "x-papo-maxPayloadBytes"):
            if key not in schema:
                fail(f"{name}.schema.json has no {key}")
        for def_name, definition in schema.get("$defs", {}).items():
            if def_name in SHARED_DEFS:
                if def_name in shared and shared[def_name][1] != definition:
                    fail(f"{name}.schema.json: $defs/{def_name} differs from the one in {shared[def_name][0]}.schema.json")
                shared.setdefault(def_name, (name, definition))
        for pattern in re.findall(r'"pattern": ("(?:[^"\\]|\\.)*")', json.dumps(schema)):
            try:
                ecma_regex(json.loads(pattern))
            except re.error as e:
                fail(f"{name}.schema.json: pattern {pattern} does not compile: {e}")

    # 2. The name pattern (what other validators check) agrees with papo's name rules.
    if "name" in shared:
        pattern = ecma_regex(shared["name"][1]["pattern"])
        disagreements = []
        special = ["papo-x", "PAPO-x", "pApO-", "papo", "papox", "xpapo-", ".", "..", "...", ".a", "alice\n", "\nalice",
                   "josé", "日本語", "a" * 64]
        for candidate in special + [n for pair in _bmp_names() for n in pair]:
            if (pattern.search(candidate) is not None) != (name_problem(candidate) is None):
                disagreements.append(candidate)
        if disagreements:
            fail(f"the name pattern and papo's name rules disagree on {len(disagreements)} names, e.g. "
                 f"{', '.join(repr(d) for d in disagreements[:5])}")

    # 3. The examples behave as their file names say, each bad one for its stated reason.
    expectations_file = EXAMPLES_DIR / "expectations.json"
    expectations = json.loads(expectations_file.read_text(encoding="utf-8"))
    seen = set()
    for name in (n for n in names if n not in broken):
        examples = sorted((EXAMPLES_DIR / name).glob("*.json"))
        if not any(e.name.startswith("good-") for e in examples) or not any(e.name.startswith("bad-") for e in examples):
            fail(f"examples/{name}/ needs at least one good-*.json and one bad-*.json")
        for example in examples:
            key = f"{name}/{example.name}"
            _, problems = check_payload(name, example.read_bytes())
            if example.name.startswith("good-") and problems:
                fail(f"examples/{key} should be valid: {'; '.join(problems)}")
            elif example.name.startswith("bad-"):
                seen.add(key)
                reason = expectations.get(key)
                if not problems:
                    fail(f"examples/{key} should be invalid but passed")
                elif reason is None:
                    fail(f"examples/{key} has no entry in examples/expectations.json (why it is bad); it gave: "
                         f"{'; '.join(problems)}")
                elif not any(reason in p for p in problems):
                    fail(f"examples/{key} should fail with '{reason}' but gave: {'; '.join(problems)}")
            elif not example.name.startswith("good-"):
                fail(f"examples/{key}: example names start with good- or bad-")
    for key in sorted(k for k in set(expectations) - seen if k.split("/")[0] not in broken):
        fail(f"examples/expectations.json names {key}, which is not a bad example")

    # 4. Limits that take big payloads, built here rather than stored.
    message = lambda text: json.dumps({"id": "x1", "text": text, "sent_at": "2026-11-24T10:00:00.000Z"}).encode()
    built = [
        ("message", message("a" * 16384), None),
        ("message", message("é" * 8192), None),                      # 16384 bytes, 8192 characters
        ("message", message("é" * 8193), "more than 16384"),          # under maxLength, over the byte limit
        ("message", message("a" * 16385), "more than 16384"),
        ("message", message("a" * 16000)[:-1] + b"," + b'"x":"' + b"y" * 50000 + b'"}', "more than the limit of 65536"),
        ("message", b'{"id":"x1","text":"hi","sent_at":"2026-11-24T10:00:00Z","x":' + b"[" * 32 + b"]" * 32 + b"}",
         "nested deeper than 32"),
        ("message", b'{"id":"x1","text":"hi","sent_at":"2026-11-24T10:00:00Z","x":' + b"[" * 31 + b"]" * 31 + b"}", None),
        ("message", b"[" * 30000 + b"]" * 30000, "nested deeper than 32"),
        ("message", b'{"id":"x1","text":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{",'
                    b'"sent_at":"2026-11-24T10:00:00Z"}', None),
        ("registry-queue", json.dumps({"name": "bob", "messages": 60000,
                                       "pending": [f"{i:032x}" for i in range(50000)]}).encode(), None),
        ("registry-queue", json.dumps({"name": "bob", "messages": 60000, "bytes": 6000000, "full": True, "pending": [],
                                       "pending_from": {"mallory": [f"{i:032x}" for i in range(40000)],
                                                        "alice": [f"{i:032x}" for i in range(10000)]}}).encode(), None),
        ("registry-queue", json.dumps({"name": "bob", "messages": 60000, "pending": [f"{i:032x}" for i in range(10)],
                                       "pending_from": {"mallory": [f"{i:032x}" for i in range(49991)]}}).encode(),
         "more than 50000"),
        ("receipt", json.dumps({"ids": [f"{i:032x}" for i in range(2000)]}).encode(), "more than the limit of 65536"),
        ("registry-user", json.dumps({"name": "é" * 33, "kind": "user", "created_at": "2026-11-24T10:00:00.000Z",
                                      "topics": []}).encode(), "is too long (66 bytes"),
    ]
    for name, raw, reason in built:
        _, problems = check_payload(name, raw)
        if reason is None and problems:
            fail(f"built {name} payload of {len(raw)} bytes should be valid: {'; '.join(problems)[:300]}")
        elif reason is not None and not any(reason in p for p in problems):
            fail(f"built {name} payload of {len(raw)} bytes should fail with '{reason}': {'; '.join(problems)[:300]}")

    # 5. The command line: exit codes and modes.
    good = EXAMPLES_DIR / "message" / "good-dm.json"
    bad = EXAMPLES_DIR / "message" / "bad-no-time.json"
    with tempfile.TemporaryDirectory() as tmp:
        lines = pathlib.Path(tmp, "lines.jsonl")
        lines.write_bytes(good.read_bytes().strip() + b"\n\n" + bad.read_bytes().strip() + b"\n")
        capture = pathlib.Path(tmp, "capture.txt")
        capture.write_bytes(
            b'users/bob/inbox/alice {"id":"a1","text":"hi","sent_at":"2026-11-24T10:00:00.000Z"}\n'
            b'registry/users/bob (null)\n'
            b'server/v1/sync/0123abcd {}\n'
            b'server/v1/request/papo-admin {"command":"users.ls"}\n'
            b'server/v1/response/papo-admin/0f0f {"command":"users.ls","ok":true,"data":[]}\n')
        bad_capture = pathlib.Path(tmp, "bad-capture.txt")
        bad_capture.write_bytes(capture.read_bytes() + b'users/bob/inbox/papo-x {"id":"a1","text":"hi","sent_at":'
                                b'"2026-11-24T10:00:00.000Z"}\nregistry/users/bob {"name":"carol","kind":"user",'
                                b'"created_at":"2026-11-24T10:00:00.000Z","topics":[]}\npapo/nudge {}\n'
                                b'users/bob/inbox/alice (null)\n')
        runs = [
            (["message", str(good)], 0, "valid message payload"),
            (["message", str(bad)], 1, "'sent_at' is a required property"),
            (["--lines", "message", str(lines)], 1, "lines.jsonl:3: at /: 'sent_at' is a required property"),
            (["--topic", "users/bob/inbox/alice", str(good)], 0, "valid message payload"),
            (["--topic", "users/bob/inbox/al+ce", str(good)], 1, "sender level 'al+ce' contains '+'"),
            (["--traffic", str(capture)], 0, "checked 5 messages"),
            (["--traffic", str(bad_capture)], 1, "4 failed"),
            (["--traffic", str(bad_capture)], 1, "is not the topic's name level 'bob'"),
            (["--traffic", str(bad_capture)], 1, "'papo/nudge' is not part of papo's topic tree"),
            (["--traffic", str(bad_capture)], 1, "starts with 'papo-'"),
            (["--traffic", str(bad_capture)], 1, "empty payload"),
            (["no-such-schema", str(good)], 2, "no schema 'no-such-schema'"),
            (["message", str(pathlib.Path(tmp, "missing.json"))], 2, "cannot read"),
        ]
        for argv, status, text in runs:
            stdout, stderr = io.StringIO(), io.StringIO()
            got = main(argv, stdout, stderr)
            said = stdout.getvalue() + stderr.getvalue()
            if got != status or text not in said:
                fail(f"validate.py {' '.join(argv)}: expected exit {status} saying '{text}', got {got}: {said.strip()}")

    for failure in failures:
        print(f"self-test: {failure}", file=err)
    count = sum(1 for _ in EXAMPLES_DIR.glob("*/*.json"))
    print(f"self-test {'FAILED' if failures else 'passed'}: {len(names)} schemas, {count} examples, "
          f"{len(built)} built payloads, {len(runs)} command lines", file=err if failures else out)
    return 1 if failures else 0


# ---------------------------------------------------------------- main

USAGE = __doc__.split("usage:\n")[1].split("\n\n")[0]


def main(argv, out=sys.stdout, err=sys.stderr):
    if argv in (["-h"], ["--help"]):
        print(__doc__.strip(), file=out)
        return 0
    parser = argparse.ArgumentParser(prog="validate.py", add_help=False)
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--lines", action="store_true")
    parser.add_argument("--topic")
    parser.add_argument("--traffic", metavar="FILE")
    parser.add_argument("args", nargs="*")

    def refuse(message):
        raise UsageError(message, show_usage=True)
    parser.error = refuse
    try:
        options, unknown = parser.parse_known_args(argv)
        if unknown:
            raise UsageError(f"unknown option {unknown[0]}", show_usage=True)
        modes = sum(bool(x) for x in (options.self_test, options.list, options.topic, options.traffic))
        if modes > 1 or (options.lines and modes):
            raise UsageError("use one of --self-test, --list, --topic, --traffic and --lines at a time", show_usage=True)
        if options.self_test and not options.args:
            return self_test(out, err)
        if options.list and not options.args:
            print("\n".join(schema_names()), file=out)
            return 0
        if options.traffic and not options.args:
            return cmd_traffic(options.traffic, out, err)
        if options.topic and len(options.args) == 1:
            return cmd_topic(options.topic, options.args[0], out, err)
        if not modes and len(options.args) == 2:
            schema = options.args[0].removesuffix(".schema.json")
            return (cmd_lines if options.lines else cmd_document)(schema, options.args[1], out, err)
        raise UsageError("wrong arguments", show_usage=True)
    except UsageError as e:
        print(f"validate.py: {e}" + (f"\nusage:\n{USAGE}" if e.show_usage else ""), file=err)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
