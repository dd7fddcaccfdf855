"""Top-level GraphQL errors that are safe to show: they carry ``extensions.code``.

Anything else raised while resolving is masked (see ``server.graphql_view``).
"""

from __future__ import annotations

from graphql import GraphQLError


class PublicError(GraphQLError):
    """An error whose message and code are meant for the client."""

    code = "BAD_REQUEST"

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": self.code})


class UnauthenticatedError(PublicError):
    """No valid access token was presented."""

    code = "UNAUTHENTICATED"

    def __init__(
        self, message: str = "Log in first: send 'Authorization: Bearer <token>'."
    ) -> None:
        super().__init__(message)


class ForbiddenError(PublicError):
    """The viewer is authenticated but may not do this."""

    code = "FORBIDDEN"


class BadUserInputError(PublicError):
    """An argument is malformed in a way the schema cannot express (a bad cursor, a page size
    over the cap)."""

    code = "BAD_USER_INPUT"


class NetworkUnavailableError(PublicError):
    """The network did not answer a read that needs it; try again in a moment."""

    code = "NETWORK_UNAVAILABLE"

    def __init__(self, message: str = "The network did not answer; try again in a moment.") -> None:
        super().__init__(message)
