"""The README's example operations are valid against the schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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


async def test_the_external_vendor_example_is_booked_as_a_bill(
    api: Any, simulator: Any, dispatcher: Any
) -> None:
    """The README's curl that has Ganga Steel send a bill to Sharma Traders is a document the
    service books."""
    import json
    import re

    from contract.wire import document_from_json
    from tests.trading import SHARMA_TRADERS, inbox, onboard

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    body = re.search(r"sandbox-ganga-steel-key.*?-d '(.*?)'\n", text, re.DOTALL)
    assert body is not None
    owner, org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    await simulator.document_send(document_from_json(json.loads(body.group(1))))
    await simulator.advance(5)
    [bill] = await inbox(api, owner, org)
    assert (bill["kind"], bill["number"], bill["receivedFrom"]) == (
        "INVOICE",
        "GS-1",
        "ganga-steel",
    )
