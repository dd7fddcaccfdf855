"""Accounts, access tokens and the viewer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db.models import Account as AccountModel
from resolvers import invitations as invitation_resolvers
from resolvers import organisation as organisation_resolvers
from resolvers.context import Context
from resolvers.services.accounts import IssuedToken
from resolvers.services.ids import encode_id
from schema.errors import UserError
from schema.relay import After, Before, Connection, First, Last, Node

if TYPE_CHECKING:
    from schema.invitation import Invitation
    from schema.organisation import Organisation


@strawberry.type(
    description="A person who can log in. Co-members of an organisation see each other."
)
class Account(Node):
    """An account."""

    email: str = strawberry.field(description="The e-mail address the person logs in with.")
    display_name: str = strawberry.field(description="The name shown to others.")
    created_at: datetime = strawberry.field(description="When the account was created (UTC).")
    email_verified: bool = strawberry.field(
        description="Whether the person proved the e-mail address (needed before accepting an "
        "invitation): `accountEmailCodeSend`, then `accountEmailVerify`."
    )

    @classmethod
    def from_model(cls, model: AccountModel) -> Account:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("Account", model.id)),
            email=model.email,
            display_name=model.display_name,
            created_at=model.created_at,
            email_verified=model.email_verified_at is not None,
        )


@strawberry.type(
    description=(
        "A bearer access token. Send it as `Authorization: Bearer <token>` over HTTP, or as "
        '`{"Authorization": "Bearer <token>"}` in the WebSocket `connection_init` payload.'
    )
)
class AccessToken:
    """A token, shown once."""

    token: str = strawberry.field(description="The token. It is shown only now; store it safely.")
    expires_at: datetime = strawberry.field(description="When the token stops working (UTC).")

    @classmethod
    def from_issued(cls, issued: IssuedToken) -> AccessToken:
        """Map an issued token."""
        return cls(token=issued.value, expires_at=issued.record.expires_at)


@strawberry.type(description="The signed-in account and what it can reach.")
class Viewer:
    """The viewer."""

    account: Account = strawberry.field(description="The signed-in account.")

    @strawberry.field(description="The organisations the viewer is a member of, oldest first.")
    async def organisations(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Organisation, strawberry.lazy("schema.organisation")]]:
        from schema.organisation import Organisation

        page = await organisation_resolvers.mine(
            info.context, first=first, after=after, last=last, before=before
        )
        return Connection.build(page, lambda o: o.id, Organisation.from_model)  # type: ignore[attr-defined,arg-type]

    @strawberry.field(
        description="Pending invitations to the viewer's e-mail address, newest first (at most "
        "100): accept one with `invitationAccept`."
    )
    async def invitations(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[Invitation, strawberry.lazy("schema.invitation")]]:
        from schema.invitation import Invitation

        return [Invitation.from_model(i) for i in await invitation_resolvers.mine(info.context)]


@strawberry.input(description="Create an account.")
class AccountSignUpInput:
    """Sign-up input."""

    email: str = strawberry.field(description="E-mail address; it must not be in use.")
    password: str = strawberry.field(
        description="At least 10 characters, 5 different, not common, not containing the e-mail."
    )
    display_name: str = strawberry.field(description="The name shown to others (≤ 100 characters).")


@strawberry.type(description="The result of `accountSignUp`.")
class AccountSignUpPayload:
    """Sign-up result."""

    account: Account | None = strawberry.field(description="The new account.")
    access_token: AccessToken | None = strawberry.field(description="A token to use right away.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.input(description="The code e-mailed to your address.")
class AccountEmailVerifyInput:
    """E-mail verification input."""

    code: str = strawberry.field(description="The 6-digit code from the e-mail.")


@strawberry.type(description="The result of `accountEmailCodeSend` or `accountEmailVerify`.")
class AccountEmailPayload:
    """E-mail verification result."""

    account: Account | None = strawberry.field(description="Your account.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.input(description="Log in with e-mail and password.")
class AccessTokenCreateInput:
    """Log-in input."""

    email: str = strawberry.field(description="The account's e-mail address.")
    password: str = strawberry.field(description="The account's password.")


@strawberry.type(description="The result of `accessTokenCreate` (log in).")
class AccessTokenCreatePayload:
    """Log-in result."""

    account: Account | None = strawberry.field(description="The account logged in to.")
    access_token: AccessToken | None = strawberry.field(description="The new token.")
    user_errors: list[UserError] = strawberry.field(description="Why the log-in was refused.")


@strawberry.input(description="Log out.")
class AccessTokenRevokeInput:
    """Log-out input."""

    everywhere: bool = strawberry.field(
        default=False,
        description="Revoke every token of the account (log out everywhere), not just this one.",
    )


@strawberry.type(description="The result of `accessTokenRevoke` (log out).")
class AccessTokenRevokePayload:
    """Log-out result."""

    revoked_count: int = strawberry.field(description="How many tokens were revoked.")
    user_errors: list[UserError] = strawberry.field(description="Why the request was refused.")
