"""`{"contract", "version", "passed", "results": [...]}`: the documented machine-readable shape."""

from __future__ import annotations

import json

from lockgate.results.model import ValidationResult


def render(result: ValidationResult) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
