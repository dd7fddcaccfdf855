"""Resolvers for accounts, access tokens and the viewer."""

from __future__ import annotations

import uuid

from db.models import Account
from db.unit_of_work import UnitOfWork
from resolvers import mutation, network_calls
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services import accounts, email_verification, throttle
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


async def email_code_send(context: Context) -> Outcome[Account]:
    """E-mail a code to the viewer's address."""
    viewer = await context.require_viewer()
    app = context.app

    async def undo(uow: UnitOfWork) -> None:  # the e-mail did not go: no code is waiting
        account = await uow.session.get(Account, viewer.account_id, with_for_update=True)
        if account is not None:
            account.email_code_digest = account.email_code_sent_at = None

    return await network_calls.run(
        context,
        lambda uow, network: email_verification.send_code(
            uow, viewer, network, secret=app.secret, now=app.now(),
            gate=throttle.Gate(uow, app.secret, app.now()),
        ),
        field=("input",), undo=undo,
    )  # fmt: skip


async def email_verify(context: Context, *, code: str) -> Outcome[Account]:
    """Check the code e-mailed to the viewer."""
    viewer = await context.require_viewer()
    app = context.app
    return await mutation.run(
        context,
        lambda uow: email_verification.verify(
            uow, viewer, code=code, secret=app.secret, now=app.now()
        ),
    )
