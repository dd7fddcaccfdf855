"""Persisted queries and trusted documents: a request may name its document instead of sending it.

* **Automatic persisted queries** (the protocol of Apollo Client's persisted-queries link and
  urql's ``persistedExchange``): a request carries ``extensions.persistedQuery`` ``{version: 1,
  sha256Hash}``. Without a query it runs the document registered under that hash, or is
  answered with the ``PERSISTED_QUERY_NOT_FOUND`` error the clients expect; they then send the
  query with its hash, which is checked (the SHA-256 of the query text, hexadecimal) and, once
  the document has parsed and validated, registered, so that later requests send the hash
  alone, over POST or (queries only) GET.
* **Trusted documents** (``TRUSTED_DOCUMENTS_MANIFEST``): the operations of a manifest in the
  JSON that Apollo's (``apollo-persisted-query-manifest``) or Relay's (``{id: text}``)
  tooling emits, named by id (``documentId``) or by hash. With ``TRUSTED_DOCUMENTS_ONLY`` they
  are the only operations that run: any other document is refused before it is parsed.

Registered documents live in the database (``persisted_queries``), which every worker already
shares: no other service to run, and a registration survives restarts. The table is bounded
(``PERSISTED_QUERIES_MAX``, the least recently used dropped first); each worker keeps the
documents it used lately in memory, so a hash costs a statement only the first time a worker
sees it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.http import GraphQLRequestData

from db.repositories import persisted_query as repo
from db.unit_of_work import UnitOfWork
from server.settings import Settings, SettingsError

# Where a request's ``documentId`` (the GraphQL-over-HTTP persisted documents convention)
# travels with the request's extensions.
DOCUMENT_ID = "documentId"
PERSISTED_QUERY = "persistedQuery"
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_DOCUMENT_ID = 200
# Documents each worker keeps in memory.
CACHE_SIZE = 1000
# Larger documents run but are not registered, so the table stays within about
# PERSISTED_QUERIES_MAX x 32 KB however it is filled.
MAX_REGISTERED_BYTES = 32 * 1024

NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
NOT_SUPPORTED_MESSAGE = "PersistedQueryNotSupported"


class PersistedQueryRefusedError(Exception):
    """A request naming or carrying a document that cannot run; answered with ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def digest(document: str) -> str:
    """The hash clients send for ``document``: SHA-256 of its UTF-8 text, hexadecimal."""
    return hashlib.sha256(document.encode()).hexdigest()


def load_manifest(path: Path) -> dict[str, str]:
    """The documents of a manifest by id and by hash: Apollo's persisted query manifest
    (``{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id",
    "body", ...}]}``) or Relay's (``{"<id>": "<document>"}``)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        msg = f"TRUSTED_DOCUMENTS_MANIFEST: cannot read {path} as JSON ({type(exc).__name__})"
        raise SettingsError(msg) from None
    pairs: list[tuple[object, object]]
    if isinstance(raw, dict) and raw.get("format") == "apollo-persisted-query-manifest":
        operations = raw.get("operations")
        if raw.get("version") != 1 or not isinstance(operations, list):
            msg = "TRUSTED_DOCUMENTS_MANIFEST: an Apollo manifest of version 1 with operations"
            raise SettingsError(msg)
        pairs = [
            (op.get("id"), op.get("body")) if isinstance(op, dict) else (None, None)
            for op in operations
        ]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        msg = "TRUSTED_DOCUMENTS_MANIFEST: expected Apollo's or Relay's manifest (a JSON object)"
        raise SettingsError(msg)
    documents: dict[str, str] = {}
    for key, body in pairs:
        if not isinstance(key, str) or not key or not isinstance(body, str) or not body:
            msg = "TRUSTED_DOCUMENTS_MANIFEST: every operation needs a string id and body"
            raise SettingsError(msg)
        documents[key] = body
        documents[digest(body)] = body
    if not documents:
        msg = "TRUSTED_DOCUMENTS_MANIFEST: the manifest holds no operation"
        raise SettingsError(msg)
    return documents


def lift_document_id(data: dict[str, Any]) -> dict[str, Any]:
    """Move a request's top-level ``documentId`` into its extensions, where the view reads it
    (the parsed request keeps only the query, variables, operation name and extensions)."""
    if DOCUMENT_ID not in data:
        return data
    extensions = data.get("extensions")
    if extensions is None:
        extensions = {}
    if isinstance(extensions, dict):
        data["extensions"] = {**extensions, DOCUMENT_ID: data.pop(DOCUMENT_ID)}
    return data


@dataclass(frozen=True)
class Resolved:
    """The request to run, and the hash to register its document under once it ran clean."""

    data: GraphQLRequestData
    register: str | None = None


def _not_found() -> GraphQLError:
    return GraphQLError(NOT_FOUND_MESSAGE, extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})


class PersistedQueries:
    """Resolves requests that name their document, and registers new ones."""

    def __init__(
        self,
        settings: Settings,
        read: Callable[[], AbstractAsyncContextManager[AsyncSession]],
        unit_of_work: Callable[[], AbstractAsyncContextManager[UnitOfWork]],
        now: Callable[[], datetime],
    ) -> None:
        self.enabled = settings.persisted_queries
        self.keep = settings.persisted_queries_max
        self.trusted_only = settings.trusted_documents_only
        path = settings.trusted_documents_manifest
        self.manifest: Mapping[str, str] = load_manifest(path) if path is not None else {}
        self._read = read
        self._unit_of_work = unit_of_work
        self._now = now
        self._cache: OrderedDict[str, str] = OrderedDict()

    async def resolve(self, data: GraphQLRequestData) -> Resolved | GraphQLError:
        """The request with its document in place, or the error the client is answered with
        (raises :class:`PersistedQueryRefusedError` for a request that is not well formed)."""
        extensions = data.extensions or {}
        document_id = self._document_id(extensions.get(DOCUMENT_ID))
        sha256 = self._hash(extensions.get(PERSISTED_QUERY))
        if document_id is not None:
            if data.query is not None:
                msg = "Send either documentId or the query, not both."
                raise PersistedQueryRefusedError(400, "BAD_REQUEST", msg)
            body = self.manifest.get(document_id)
            if body is None:
                msg = "No trusted document has that documentId."
                raise PersistedQueryRefusedError(400, "PERSISTED_QUERY_NOT_IN_LIST", msg)
            return Resolved(replace(data, query=body))
        if self.trusted_only:
            return self._trusted(data, sha256)
        if sha256 is None:
            return Resolved(data)
        if not self.enabled:
            return GraphQLError(
                NOT_SUPPORTED_MESSAGE, extensions={"code": "PERSISTED_QUERY_NOT_SUPPORTED"}
            )
        if data.query is None:
            body = self.manifest.get(sha256) or await self._registered(sha256)
            return _not_found() if body is None else Resolved(replace(data, query=body))
        self._check(data.query, sha256)
        known = sha256 in self._cache or sha256 in self.manifest
        too_large = len(data.query.encode()) > MAX_REGISTERED_BYTES
        return Resolved(data, register=None if known or too_large else sha256)

    def _trusted(self, data: GraphQLRequestData, sha256: str | None) -> Resolved | GraphQLError:
        if data.query is None:
            if sha256 is None:
                return Resolved(data)  # no query at all: the ordinary "no query" answer
            body = self.manifest.get(sha256)
            return _not_found() if body is None else Resolved(replace(data, query=body))
        if sha256 is not None:
            self._check(data.query, sha256)
        if digest(data.query) not in self.manifest:
            msg = (
                "Only trusted documents run here (TRUSTED_DOCUMENTS_ONLY), and this one is "
                "not in the manifest."
            )
            raise PersistedQueryRefusedError(400, "PERSISTED_QUERY_NOT_IN_LIST", msg)
        return Resolved(data)

    async def register(self, sha256: str, document: str) -> None:
        """Keep ``document`` under ``sha256`` for every worker (it ran without being refused)."""
        async with self._unit_of_work() as uow:
            await repo.register(uow.session, sha256, document, self._now(), self.keep)
        self._remember(sha256, document)

    async def _registered(self, sha256: str) -> str | None:
        body = self._cache.get(sha256)
        if body is not None:
            self._cache.move_to_end(sha256)
            return body
        async with self._read() as session:
            body = await repo.find(session, sha256)
        if body is None:
            return None
        async with self._unit_of_work() as uow:
            await repo.touch(uow.session, sha256, self._now())
        self._remember(sha256, body)
        return body

    def _remember(self, sha256: str, document: str) -> None:
        self._cache[sha256] = document
        self._cache.move_to_end(sha256)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    @staticmethod
    def _check(query: str, sha256: str) -> None:
        if digest(query) != sha256:
            msg = (
                "The query does not hash to extensions.persistedQuery.sha256Hash (the SHA-256 "
                "of the query's UTF-8 text, in lowercase hexadecimal)."
            )
            raise PersistedQueryRefusedError(400, "PERSISTED_QUERY_HASH_MISMATCH", msg)

    @staticmethod
    def _hash(persisted: object) -> str | None:
        if persisted is None:
            return None
        if not isinstance(persisted, dict):
            msg = "extensions.persistedQuery must be an object {version, sha256Hash}."
            raise PersistedQueryRefusedError(400, "BAD_REQUEST", msg)
        version = persisted.get("version")
        if isinstance(version, bool) or version != 1:
            msg = "Only version 1 of extensions.persistedQuery is supported."
            raise PersistedQueryRefusedError(400, "PERSISTED_QUERY_NOT_SUPPORTED", msg)
        value = persisted.get("sha256Hash")
        if not isinstance(value, str) or not SHA256.fullmatch(value.lower()):
            msg = "extensions.persistedQuery.sha256Hash must be 64 hexadecimal characters."
            raise PersistedQueryRefusedError(400, "BAD_REQUEST", msg)
        return value.lower()

    @staticmethod
    def _document_id(value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value or len(value) > MAX_DOCUMENT_ID:
            msg = f"documentId must be a string of 1 to {MAX_DOCUMENT_ID} characters."
            raise PersistedQueryRefusedError(400, "BAD_REQUEST", msg)
        return value


__all__ = [
    "DOCUMENT_ID",
    "PersistedQueries",
    "PersistedQueryRefusedError",
    "Resolved",
    "digest",
    "lift_document_id",
    "load_manifest",
]
