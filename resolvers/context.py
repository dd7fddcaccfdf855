"""The per-request context: the app's shared state, the viewer, and DataLoaders."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from resolvers.dispatcher import Dispatcher

from contract.port import Network
from db.base import utcnow
from db.engine import Database
from db.repositories import account as account_repo
from db.repositories import api_key as api_key_repo
from db.repositories import event as event_repo
from db.unit_of_work import UnitOfWork
from resolvers.broker import Broker
from resolvers.errors import UnauthenticatedError
from resolvers.feeds import Feeds
from resolvers.flight import Flight
from resolvers.loaders import Loaders
from resolvers.services import accounts, api_keys
from resolvers.services.accounts import Viewer
from resolvers.services.kyc import DocumentStorage
from resolvers.services.webhooks import UrlPolicy
from resolvers.services.webhooks.sending import WebhookSender
from resolvers.sessions import SocketSession, SocketSessions
from server.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class AppState:
    """What lives as long as the app: settings, database, broker, password hasher."""

    settings: Settings
    db: Database
    broker: Broker
    hasher: PasswordHasher
    network: Network
    # SQLite allows one writer; serialising this process's units of work avoids "database is
    # locked" failures. PostgreSQL needs no such lock.
    write_lock: asyncio.Lock | None = None
    clock: Callable[[], datetime] = utcnow
    dispatcher: Dispatcher | None = None
    storage: DocumentStorage | None = None
    sessions: SocketSessions = field(init=False)
    feeds: Feeds = field(init=False)
    flight: Flight = field(init=False)
    # When this worker last wrote each API key's last use.
    _key_uses: dict[uuid.UUID, datetime] = field(init=False, default_factory=dict)
    _webhook_sender: WebhookSender | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        # Tokens are issued and checked against real time, and so are their sockets.
        self.sessions = SocketSessions(utcnow)
        self.feeds = Feeds(self)
        settings = self.settings
        self.flight = Flight(
            per_account=settings.max_operations_per_account,
            sockets_per_account=settings.max_sockets_per_account,
            budget_per_minute=settings.cost_budget_per_minute,
        )

    def now(self) -> datetime:
        """The service's time (a manual clock in tests)."""
        return self.clock()

    async def key_used(self, key_id: uuid.UUID) -> None:
        """Record an API key's use (written at most once a minute per key and worker; a
        failure to write it never fails the request)."""
        now = self.now()
        last = self._key_uses.get(key_id)
        if last is not None and now - last < api_keys.LAST_USED_EVERY:
            return
        if len(self._key_uses) >= 10_000:  # bounded: forgotten keys are written again
            self._key_uses.clear()
        self._key_uses[key_id] = now
        try:
            async with self.unit_of_work() as uow:
                await api_key_repo.touch(uow.session, key_id, now)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning("the last use of an API key was not recorded: %s", type(exc).__name__)

    @property
    def webhook_sender(self) -> WebhookSender:
        """Sends the organisations' webhooks (one pooled client per worker)."""
        if self._webhook_sender is None:
            settings = self.settings
            self._webhook_sender = WebhookSender(
                allow_private=settings.webhook_allow_private,
                timeout_seconds=settings.webhook_timeout_seconds,
            )
        return self._webhook_sender

    @property
    def webhook_policy(self) -> UrlPolicy:
        """Which URLs webhook endpoints may have."""
        return UrlPolicy(
            require_https=self.settings.webhook_require_https,
            allow_private=self.settings.webhook_allow_private,
        )

    @property
    def outbox_lease_seconds(self) -> float:
        """How long a claimed outbox message is its worker's (the dispatcher's :class:`Host`)."""
        return float(self.settings.outbox_lease_seconds)

    @property
    def secret(self) -> bytes:
        """The key for OTP digests."""
        return self.settings.secret_key.encode()

    @property
    def token_ttl(self) -> timedelta:
        """How long a new access token lives."""
        return timedelta(hours=self.settings.token_ttl_hours)

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """One transaction: committed when the block ends, rolled back if it raises.

        Event notices are published after the commit, never before and never on rollback.
        """
        lock = self.write_lock or contextlib.nullcontext()
        async with lock, self.db.sessionmaker() as session:
            uow = UnitOfWork(session, now=self.now())
            async with session.begin():
                yield uow
                await event_repo.write_pending(uow)
            queued = bool(session.info.pop("outbox", False))
        for action in uow.after_commit:
            action()
        await self.broker.publish_revocations(uow.revoked_tokens)
        await self.broker.publish(uow.notices)
        if queued and self.dispatcher is not None:
            self.dispatcher.kick()


NOT_BEARER = "<not a Bearer credential>"


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header.

    Anything else that was presented (a bare token, another scheme) becomes
    :data:`NOT_BEARER`, which never authenticates: it fails with ``UNAUTHENTICATED`` rather
    than being taken for an anonymous request or for a token.
    """
    if header is None or not header.strip():
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return NOT_BEARER
    return token.strip()


@dataclass
class Context:
    """Built once per HTTP request, or once per WebSocket connection.

    Over a WebSocket the context outlives many events, so subscriptions call
    :meth:`fresh_loaders` before resolving each event.
    """

    app: AppState
    request_id: str
    authorization: str | None = None
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None
    # Over a WebSocket: the socket's session, watched until its token is revoked or expires.
    socket_session: SocketSession | None = None
    # Whose operations these are for the per-worker limits (:mod:`resolvers.flight`): the
    # account, or a signed-out client's address; set before an operation runs.
    flight_key: str | None = None
    _viewer_task: asyncio.Task[Viewer | None] | None = field(default=None, repr=False)
    _loaders: Loaders | None = field(default=None, repr=False)

    async def viewer(self) -> Viewer | None:
        """The authenticated viewer, looked up once per context (``None`` if anonymous)."""
        if self._viewer_task is None:
            self._viewer_task = asyncio.ensure_future(self._authenticate(self.authorization))
        return await asyncio.shield(self._viewer_task)

    async def _authenticate(self, token: str | None) -> Viewer | None:
        if not token:
            return None
        async with self.app.db.read() as session:
            viewer = await accounts.authenticate(UnitOfWork(session), token)
        if viewer is None:
            return None
        self.app.flight.remember(token, viewer.account_id)
        if viewer.api_key_id is not None:
            await self.app.key_used(viewer.api_key_id)
        return replace(viewer, client_address=self.client_address)

    @property
    def client_address(self) -> str:
        """The client's IP address as the server saw it (behind a proxy: the proxy's, unless
        the server is told to trust forwarded headers)."""
        client = getattr(self.request, "client", None)
        host = getattr(client, "host", None)
        return host if isinstance(host, str) and host else "unknown"

    async def require_viewer(self) -> Viewer:
        """The viewer, or a top-level ``UNAUTHENTICATED`` error."""
        viewer = await self.viewer()
        if viewer is None:
            if self.authorization == NOT_BEARER:
                msg = "Send the access token as `Authorization: Bearer <token>`."
                raise UnauthenticatedError(msg)
            if self.authorization and self.authorization.startswith(accounts.API_KEY_PREFIX):
                msg = (
                    "The API key is invalid, rotated out or revoked, or its creator is no "
                    "longer an owner of its organisation."
                )
                raise UnauthenticatedError(msg)
            if self.authorization:
                msg = "The access token is invalid, expired or revoked: log in again."
                raise UnauthenticatedError(msg)
            raise UnauthenticatedError
        return viewer

    def set_viewer(self, viewer: Viewer | None) -> None:
        """Fix the viewer (WebSocket connections authenticate at ``connection_init``)."""
        future: asyncio.Future[Viewer | None] = asyncio.get_running_loop().create_future()
        # A connection outlives the account row loaded at connect: never prime loaders with it.
        future.set_result(
            None
            if viewer is None
            else replace(viewer, account=None, client_address=self.client_address)
        )
        self._viewer_task = future  # type: ignore[assignment]
        self._loaders = None

    def loaders(self, viewer: Viewer) -> Loaders:
        """This request's DataLoaders (scoped to the viewer)."""
        if self._loaders is None or self._loaders.viewer_id != viewer.account_id:
            self._loaders = Loaders(self.app.db, viewer.account_id)
            if viewer.account is not None:
                self._loaders.account_by_id.prime(viewer.account_id, viewer.account)
        return self._loaders

    def fresh_loaders(self) -> None:
        """Forget cached loads (between subscription events)."""
        self._loaders = None


def new_request_id() -> str:
    """A request id, logged with every masked error and returned to the client."""
    return uuid.uuid4().hex


async def live_tokens(app: AppState, token_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Those of ``token_ids`` that are neither revoked nor expired (for
    :meth:`SocketSessions.revalidate`)."""
    async with app.db.read() as session:
        return await account_repo.active_token_ids(session, token_ids, app.now())
