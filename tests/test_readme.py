"""The README's example operations are valid against the schema."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import parse, validate

from schema.schema import build_schema

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_operations_validate() -> None:
    blocks = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks
    built = build_schema()._schema
    for block in blocks:
        document = parse(block)
        errors = validate(built, document)
        assert errors == [], (block, errors)
