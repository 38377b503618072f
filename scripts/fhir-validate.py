#!/usr/bin/env python3
"""Validates a FHIR resource in JSON, usually a Bundle, with an independent
implementation: the fhir.resources models of FHIR R4B (pydantic), which refuse
unknown elements, wrong types and missing required elements. A Bundle is
validated as a whole, then each entry's resource again with its own model
(Immunization, Patient, ...), so that every entry is checked against its type
whatever the Bundle model does with it; fullUrls must be unique.

    .test-env/venv/bin/python scripts/fhir-validate.py bundle.json

Exit 0 with "valid: N entries (Immunization: n, Patient: m)" (or "valid: Kind"
for another resource) on stdout, or exit 1 with the error on stderr. Used by
the integration tests (crates/sesshu/tests/it/fhir.rs); fhir.resources is
installed into the test venv from scripts/requirements-test.txt.
"""

import importlib
import json
import sys
from collections import Counter

from fhir.resources.R4B.bundle import Bundle


def validate(model, data):
    # fhir.resources 7+ (pydantic 2) has model_validate; older ones parse_obj.
    if model is None:
        raise ValueError("no resourceType")
    if hasattr(model, "model_validate"):
        return model.model_validate(data)
    return model.parse_obj(data)


def model_of(resource_type):
    if not isinstance(resource_type, str) or not resource_type.isalpha():
        return None
    module = importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    return getattr(module, resource_type)


def main(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    kind = data.get("resourceType")
    if kind != "Bundle":
        # Another resource (an OperationOutcome): its own model only.
        validate(model_of(kind), data)
        print(f"valid: {kind}")
        return
    validate(Bundle, data)
    kinds = Counter()
    full_urls = set()
    for n, entry in enumerate(data.get("entry", [])):
        resource = entry.get("resource")
        if resource is None:
            raise ValueError(f"entry {n}: no resource")
        kind = resource.get("resourceType")
        try:
            validate(model_of(kind), resource)
        except Exception as e:
            raise ValueError(f"entry {n} ({kind}): {e}") from e
        full_url = entry.get("fullUrl")
        if full_url in full_urls:
            raise ValueError(f"entry {n}: fullUrl {full_url} twice")
        full_urls.add(full_url)
        kinds[kind] += 1
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items()))
    print(f"valid: {sum(kinds.values())} entries ({counts})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: fhir-validate.py BUNDLE.json", file=sys.stderr)
        sys.exit(2)
    try:
        main(sys.argv[1])
    except Exception as e:  # the validator's error is the output
        print(f"invalid: {e}", file=sys.stderr)
        sys.exit(1)
