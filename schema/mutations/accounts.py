"""Accounts and access tokens: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import account as account_resolvers
from resolvers.context import Context
from schema.account import (
    AccessToken,
    AccessTokenCreateInput,
    AccessTokenCreatePayload,
    AccessTokenRevokeInput,
    AccessTokenRevokePayload,
    Account,
    AccountEmailPayload,
    AccountEmailVerifyInput,
    AccountSignUpInput,
    AccountSignUpPayload,
)
from schema.errors import user_errors

Info = strawberry.Info[Context, None]


@strawberry.type
class AccountsMutations:
    """Accounts and access tokens."""

    @strawberry.mutation(
        description="Create an account and receive an access token. No token needed."
    )
    async def account_sign_up(
        self,
        info: Info,
        input: Annotated[AccountSignUpInput, strawberry.argument(description="The input.")],
    ) -> AccountSignUpPayload:
        outcome = await account_resolvers.sign_up(
            info.context,
            email=input.email,
            password=input.password,
            display_name=input.display_name,
        )
        issued = outcome.value
        return AccountSignUpPayload(
            account=None if issued is None else Account.from_model(issued.account),
            access_token=None if issued is None else AccessToken.from_issued(issued),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(
        description="E-mail a 6-digit code to your address (10 minutes; 30 s between sends, "
        "the OTP limits apply), to prove it with `accountEmailVerify`."
    )
    async def account_email_code_send(self, info: Info) -> AccountEmailPayload:
        outcome = await account_resolvers.email_code_send(info.context)
        return AccountEmailPayload(
            account=None if outcome.value is None else Account.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(
        description="Prove your e-mail address with the code sent to it (5 tries a code)."
    )
    async def account_email_verify(
        self,
        info: Info,
        input: Annotated[AccountEmailVerifyInput, strawberry.argument(description="The input.")],
    ) -> AccountEmailPayload:
        outcome = await account_resolvers.email_verify(info.context, code=input.code)
        return AccountEmailPayload(
            account=None if outcome.value is None else Account.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Log in: exchange e-mail and password for a new access token.")
    async def access_token_create(
        self,
        info: Info,
        input: Annotated[AccessTokenCreateInput, strawberry.argument(description="The input.")],
    ) -> AccessTokenCreatePayload:
        outcome = await account_resolvers.log_in(
            info.context, email=input.email, password=input.password
        )
        issued = outcome.value
        return AccessTokenCreatePayload(
            account=None if issued is None else Account.from_model(issued.account),
            access_token=None if issued is None else AccessToken.from_issued(issued),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Log out: revoke the token in use (or all of your tokens).")
    async def access_token_revoke(
        self,
        info: Info,
        input: Annotated[
            AccessTokenRevokeInput | None, strawberry.argument(description="The input.")
        ] = None,
    ) -> AccessTokenRevokePayload:
        everywhere = False if input is None else input.everywhere
        outcome = await account_resolvers.revoke(info.context, everywhere=everywhere)
        return AccessTokenRevokePayload(
            revoked_count=outcome.value or 0, user_errors=user_errors(outcome.errors)
        )
