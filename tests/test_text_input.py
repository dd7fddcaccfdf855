"""Control, bidirectional and zero-width characters and over-long text are refused in every
text argument, by one guard, before anything is read or written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import Account, Organisation
from resolvers.context import AppState
from resolvers.services.text import forbidden_character
from schema.schema import build_schema
from schema.text_guard import TextArguments
from tests.conftest import PASSWORD, Api
from tests.test_documents import CREATE, LAPTOP, _doc, _seller

ORG = """mutation($i: OrganisationCreateInput!) { organisationCreate(input: $i) {
    organisation { id } userErrors { code field message } } }"""
CONTACTS = """query($id: ID!, $s: String) { organisation(id: $id) {
    contacts(search: $s) { nodes { id } } } }"""


@pytest.mark.parametrize(
    "bad",
    ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\u200b", "\ufeff", "\u200f"],
)
def test_each_forbidden_character(bad: str) -> None:
    assert forbidden_character(f"Acme{bad}Traders") == f"U+{ord(bad):04X}"


def test_ordinary_text_passes() -> None:
    for text in ("Sharma Traders", "line one\nline two\ttabbed\r\n", "नमस्ते ₹ 5,000 — ok", ""):
        assert forbidden_character(text) is None


async def test_a_nul_in_a_mutation_input_is_a_user_error_and_writes_nothing(
    api: Api, state: AppState
) -> None:
    owner = await api.sign_up()
    for name, code in (
        ("Acme\x00Traders", "INVALID"),
        ("Acme\u202eTraders", "INVALID"),
        ("A" * 2001, "TOO_LONG"),
    ):
        result = await api(ORG, {"i": {"name": name}}, token=owner.token)
        assert "errors" not in result, result
        payload = result["data"]["organisationCreate"]
        assert payload["organisation"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            (code, ["input", "name"])
        ]
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 0


async def test_nested_input_paths_name_the_line(api: Api) -> None:
    owner, org, _local, delhi = await _seller(api)
    lines = [LAPTOP, {**LAPTOP, "description": "Lap\x00top"}]
    result = await api(CREATE, {"i": _doc(org, delhi, lines=lines)}, token=owner.token)
    errors = result["data"]["documentCreate"]["userErrors"]
    assert [(e["code"], e["field"]) for e in errors] == [
        ("INVALID", ["input", "lines", "1", "description"])
    ]
    notes = await api(CREATE, {"i": _doc(org, delhi, notes="Deliver\u200bnow")}, token=owner.token)
    assert notes["data"]["documentCreate"]["userErrors"][0]["field"] == ["input", "notes"]
    # Multi-line notes are fine.
    await api.ok(
        CREATE, {"i": _doc(org, delhi, notes="Deliver to gate 2\nBefore noon")}, token=owner.token
    )


async def test_sign_up_refuses_control_characters(api: Api, state: AppState) -> None:
    signup = """mutation($i: AccountSignUpInput!) { accountSignUp(input: $i) {
        account { id } accessToken { token } userErrors { code field } } }"""
    result = await api(
        signup, {"i": {"email": "a@example.com", "password": PASSWORD, "displayName": "Ash\x00"}}
    )
    payload = result["data"]["accountSignUp"]
    assert payload["account"] is None
    assert payload["accessToken"] is None
    assert payload["userErrors"] == [{"code": "INVALID", "field": ["input", "displayName"]}]
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Account)) == 0


async def test_filters_refuse_control_characters_and_long_text(api: Api) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    for search in ("ab\x00", "x" * 50_000, "\u202e"):
        result = await api(CONTACTS, {"id": org, "s": search}, token=owner.token)
        (error,) = result["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert error["path"] == ["organisation", "contacts"]
    data = await api.ok(CONTACTS, {"id": org, "s": "Sharma"}, token=owner.token)
    assert data["organisation"]["contacts"]["nodes"] == []


def test_every_field_with_arguments_is_guarded() -> None:
    schema = build_schema()
    unguarded = []
    guarded = 0
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or name == "Subscription" or not hasattr(graphql_type, "fields"):
            continue
        definition = (graphql_type.extensions or {}).get("strawberry-definition")
        if definition is None or getattr(definition, "is_input", False):
            continue
        for field in definition.fields:
            if not field.arguments:
                continue
            if any(isinstance(e, TextArguments) for e in field.extensions):
                guarded += 1
            else:
                unguarded.append(f"{name}.{field.python_name}")
    assert unguarded == []
    assert guarded > 40
