"""Resolvers for accounts, access tokens and the viewer."""

from __future__ import annotations

import uuid

from db.models import Account
from resolvers import mutation
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services import accounts, throttle
from resolvers.services.accounts import IssuedToken


async def sign_up(
    context: Context, *, email: str, password: str, display_name: str
) -> Outcome[IssuedToken]:
    """Create an account and log it in."""
    app = context.app
    return await mutation.run(
        context,
        lambda uow: accounts.sign_up(
            uow,
            app.hasher,
            email=email,
            password=password,
            display_name=display_name,
            ttl=app.token_ttl,
            gate=throttle.Gate(uow, app.secret, app.now()),
            address=context.client_address,
            sign_ups_per_hour=app.settings.max_sign_ups_per_hour,
        ),
    )


async def log_in(context: Context, *, email: str, password: str) -> Outcome[IssuedToken]:
    """Exchange credentials for a new access token."""
    app = context.app
    return await mutation.run(
        context,
        lambda uow: accounts.log_in(
            uow,
            app.hasher,
            email=email,
            password=password,
            ttl=app.token_ttl,
            gate=throttle.Gate(uow, app.secret, app.now()),
            address=context.client_address,
        ),
    )


async def revoke(context: Context, *, everywhere: bool) -> Outcome[int]:
    """Log out: revoke the token in use, or every token of the viewer."""
    viewer = await context.require_viewer()
    return await mutation.run(
        context, lambda uow: accounts.revoke(uow, viewer, everywhere=everywhere)
    )


async def viewer_account(context: Context) -> Account:
    """The signed-in account."""
    viewer = await context.require_viewer()
    account = await context.loaders(viewer).account_by_id.load(viewer.account_id)
    if account is None:  # pragma: no cover - the token's account cannot vanish (FK cascade)
        msg = "the viewer's account is missing"
        raise LookupError(msg)
    return account


async def account_by_id(context: Context, account_id: uuid.UUID) -> Account | None:
    """An account the viewer may see (itself or a co-member)."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).account_by_id.load(account_id)
