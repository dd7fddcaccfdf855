"""Resolvers for API keys."""

from __future__ import annotations

import uuid
from datetime import timedelta

from db.models import ApiKey
from db.unit_of_work import UnitOfWork
from resolvers import mutation
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services import api_keys
from resolvers.services.api_keys import IssuedKey


async def of_organisation(context: Context, organisation_id: uuid.UUID) -> list[ApiKey]:
    """The organisation's keys (for its owners)."""
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        return await api_keys.of_organisation(UnitOfWork(session), viewer, organisation_id)


async def create(
    context: Context, *, organisation_id: str, name: str, scopes: list[str]
) -> Outcome[IssuedKey]:
    """Create a key."""
    app = context.app
    return await mutation.run_on(
        context, organisation_id, "Organisation", ("input", "organisationId"),
        lambda uow, viewer, key: api_keys.create(
            uow, viewer, organisation_id=key, name=name, scopes=scopes, now=app.now()
        ),
    )  # fmt: skip


async def rotate(context: Context, *, api_key_id: str, grace_hours: int) -> Outcome[IssuedKey]:
    """Give a key a new secret."""
    app = context.app
    return await mutation.run_on(
        context, api_key_id, "ApiKey", ("input", "apiKeyId"),
        lambda uow, viewer, key: api_keys.rotate(
            uow, viewer, key_id=key, grace=timedelta(hours=grace_hours), now=app.now()
        ),
    )  # fmt: skip


async def revoke(context: Context, *, api_key_id: str) -> Outcome[ApiKey]:
    """Revoke a key."""
    app = context.app
    return await mutation.run_on(
        context, api_key_id, "ApiKey", ("input", "apiKeyId"),
        lambda uow, viewer, key: api_keys.revoke(uow, viewer, key_id=key, now=app.now()),
    )  # fmt: skip
