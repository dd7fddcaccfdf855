"""The example operations of the README and of every page under docs/ are valid against the
schema; the simulator guide's curl of an external vendor's bill is a document the service
books."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from graphql import parse, validate

from schema.schema import build_schema

ROOT = Path(__file__).resolve().parent.parent
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
# Where the curl of an external vendor's bill is (the tests that book it read it there).
SIMULATOR_GUIDE = ROOT / "docs" / "simulator.md"


def test_every_pages_operations_validate() -> None:
    built = build_schema()._schema
    for page in PAGES:
        blocks = re.findall(r"```graphql\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
        for block in blocks:
            document = parse(block)
            errors = validate(built, document)
            assert errors == [], (page.name, block, errors)
    assert len(PAGES) > 10


async def test_the_external_vendor_example_is_booked_as_a_bill(
    api: Any, simulator: Any, dispatcher: Any
) -> None:
    """The simulator guide's curl that has Ganga Steel send a bill to Sharma Traders is a
    document the service books."""
    import json
    import re

    from contract.wire import document_from_json
    from tests.trading import SHARMA_TRADERS, inbox, onboard

    text = SIMULATOR_GUIDE.read_text(encoding="utf-8")
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


def test_every_link_between_the_pages_leads_somewhere() -> None:
    """The README and docs/ link to each other: each relative link names a file that exists
    (and, with ``#anchor``, a heading of it)."""

    def anchors(page: Path) -> set[str]:
        headings = re.findall(r"^#+ (.*)$", page.read_text(encoding="utf-8"), re.MULTILINE)
        return {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}

    found = 0
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            assert linked.is_file(), (page.name, target)
            assert not anchor or anchor in anchors(linked), (page.name, target)
            found += 1
    assert found > 20
