#!/usr/bin/python3
"""Checks the wire-format documentation against itself.

- every docs/schemas/<Message>.schema.json is a valid JSON Schema (draft 2020-12);
- every schema has an example docs/examples/<Message>.json and the example validates;
- docs/messages.md embeds every example verbatim (a ```json block with the file's text);
- every tests/clients/bad_examples/<Message>.<case>.json FAILS validation against its schema.

Exits 0 when all hold, 1 otherwise; the last line is "examples: N valid, N bad rejected, N failures".
Needs Python 3 and jsonschema >= 4 (Debian: apt-get install python3-jsonschema).
Usage: tests/clients/validate_examples.py [--verbose]
"""
import json
import pathlib
import re
import sys

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "schemas"
EXAMPLES = ROOT / "docs" / "examples"
MESSAGES_MD = ROOT / "docs" / "messages.md"
BAD = pathlib.Path(__file__).resolve().parent / "bad_examples"


def validator_for(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def describe(error):
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    return f"{where}: {error.message[:200]}"


def main(argv):
    verbose = "--verbose" in argv
    failures = []
    valid = rejected = 0

    validators = {}
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        message = path.name[: -len(".schema.json")]
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
            expected_id = f"https://model-registry.local/schemas/{message}.schema.json"
            if schema.get("$id") != expected_id:
                failures.append(f"{path.name}: $id is {schema.get('$id')!r}, expected {expected_id!r}")
            validators[message] = validator_for(schema)
        except (ValueError, jsonschema.SchemaError) as e:
            failures.append(f"{path.name}: not a valid schema: {e}")
    if not validators:
        failures.append(f"no schemas in {SCHEMAS}")

    markdown = MESSAGES_MD.read_text(encoding="utf-8") if MESSAGES_MD.exists() else None
    if markdown is None:
        failures.append(f"{MESSAGES_MD} is missing")
    blocks = [b.strip() for b in re.findall(r"^```json\n(.*?)^```", markdown or "", re.S | re.M)]

    for path in sorted(EXAMPLES.glob("*.json")):
        if path.stem not in validators:
            failures.append(f"examples/{path.name}: no schema docs/schemas/{path.stem}.schema.json")
    for message, validator in validators.items():
        path = EXAMPLES / f"{message}.json"
        if not path.exists():
            failures.append(f"{message}: no example {path.relative_to(ROOT)}")
            continue
        text = path.read_text(encoding="utf-8")
        try:
            document = json.loads(text)
        except ValueError as e:
            failures.append(f"examples/{path.name}: not JSON: {e}")
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            failures.extend(f"examples/{path.name}: {describe(e)}" for e in errors)
        else:
            valid += 1
            if verbose:
                print(f"valid    examples/{path.name}")
        if markdown is not None and text.strip() not in blocks:
            failures.append(f"examples/{path.name}: docs/messages.md does not embed it verbatim in a ```json block")

    bad_files = sorted(BAD.glob("*.json"))
    if not bad_files:
        failures.append(f"no bad examples in {BAD}")
    for path in bad_files:
        message = path.name.split(".", 1)[0]
        if message not in validators:
            failures.append(f"bad_examples/{path.name}: no schema for {message!r}")
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as e:
            failures.append(f"bad_examples/{path.name}: not JSON ({e}); a bad example must be JSON that breaks a rule")
            continue
        error = jsonschema.exceptions.best_match(validators[message].iter_errors(document))
        if error is None:
            failures.append(f"bad_examples/{path.name}: passed validation but must fail")
        else:
            rejected += 1
            if verbose:
                print(f"rejected bad_examples/{path.name}: {describe(error)}")

    for f in failures:
        print(f"FAIL {f}")
    print(f"examples: {valid} valid, {rejected} bad rejected, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
