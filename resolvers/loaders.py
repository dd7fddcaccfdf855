"""DataLoaders, one set per request (or per subscription event), scoped to the viewer.

Each batch opens its own short session, so sibling resolvers never share one.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from db.engine import Database
from db.models import (
    Account,
    B2BId,
    Contact,
    Document,
    DocumentHistory,
    KycProfile,
    Membership,
    Onboarding,
    Organisation,
    OrganisationGstin,
    Payment,
    PaymentAllocation,
)
from db.pagination import Page
from db.repositories import account as account_repo
from db.repositories import contact as contact_repo
from db.repositories import document as document_repo
from db.repositories import onboarding as onboarding_repo
from db.repositories import organisation as organisation_repo
from db.repositories import payment as payment_repo
from db.rows import ContactRow, LineRow
from resolvers.services.payments import ledger

T = TypeVar("T")
V = TypeVar("V")
Batch = Callable[[AsyncSession, uuid.UUID, Sequence[uuid.UUID]], Awaitable[list[T]]]


def _loader(
    db: Database, viewer_id: uuid.UUID, fetch: Batch[T], key: Callable[[T], uuid.UUID]
) -> DataLoader[uuid.UUID, T | None]:
    async def load(ids: list[uuid.UUID]) -> list[T | None]:
        async with db.read() as session:
            rows = await fetch(session, viewer_id, ids)
        by_key = {key(row): row for row in rows}
        return [by_key.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _first_members_loader(
    db: Database, viewer_id: uuid.UUID, first: int
) -> DataLoader[uuid.UUID, Page[Membership]]:
    async def load(ids: list[uuid.UUID]) -> list[Page[Membership]]:
        async with db.read() as session:
            pages = await organisation_repo.first_members_pages(session, viewer_id, ids, first)
        return [pages[i] for i in ids]

    return DataLoader(load_fn=load)


def _grouped_loader(
    db: Database, viewer_id: uuid.UUID, fetch: Batch[T], key: Callable[[T], uuid.UUID]
) -> DataLoader[uuid.UUID, list[T]]:
    async def load(ids: list[uuid.UUID]) -> list[list[T]]:
        async with db.read() as session:
            rows = await fetch(session, viewer_id, ids)
        grouped: dict[uuid.UUID, list[T]] = {i: [] for i in ids}
        for row in rows:
            grouped[key(row)].append(row)
        return [grouped[i] for i in ids]

    return DataLoader(load_fn=load)


def _mapped_loader(
    db: Database,
    fetch: Callable[[AsyncSession, list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, V]]],
    missing: V | None = None,
) -> DataLoader[uuid.UUID, V]:
    """A loader over a query that answers a mapping by id (``missing`` where it has none)."""

    async def load(ids: list[uuid.UUID]) -> list[V]:
        async with db.read() as session:
            found = await fetch(session, ids)
        return [found.get(i, missing) for i in ids]  # type: ignore[misc]

    return DataLoader(load_fn=load)


class Loaders:
    """``ThingByKeyLoader``s; each returns ``None`` for what the viewer may not see."""

    def __init__(self, db: Database, viewer_id: uuid.UUID) -> None:
        self.db = db
        self.viewer_id = viewer_id
        self._first_members: dict[int, DataLoader[uuid.UUID, Page[Membership]]] = {}
        self._same_gstin: dict[int, DataLoader[tuple[uuid.UUID, str], list[Contact]]] = {}
        self.onboarding_by_organisation_id: DataLoader[uuid.UUID, Onboarding | None] = _loader(
            db, viewer_id, onboarding_repo.visible_onboardings, lambda o: o.organisation_id
        )
        self.gstins_by_organisation_id: DataLoader[uuid.UUID, list[OrganisationGstin]] = (
            _grouped_loader(
                db, viewer_id, onboarding_repo.visible_gstins, lambda g: g.organisation_id
            )
        )
        self.contact_by_id: DataLoader[uuid.UUID, ContactRow | None] = _loader(
            db, viewer_id, contact_repo.visible_by_ids, lambda c: c.id
        )
        self.document_by_id: DataLoader[uuid.UUID, Document | None] = _loader(
            db, viewer_id, document_repo.visible_by_ids, lambda d: d.id
        )
        self.lines_by_document_id: DataLoader[uuid.UUID, list[LineRow]] = _grouped_loader(
            db, viewer_id, document_repo.lines_for, lambda line: line.document_id
        )
        self.history_by_document_id: DataLoader[uuid.UUID, list[DocumentHistory]] = _grouped_loader(
            db, viewer_id, document_repo.history_for, lambda h: h.document_id
        )
        self.kyc_profile_by_organisation_id: DataLoader[uuid.UUID, KycProfile | None] = _loader(
            db, viewer_id, onboarding_repo.visible_kyc_profiles, lambda k: k.organisation_id
        )
        self.b2b_ids_by_organisation_id: DataLoader[uuid.UUID, list[B2BId]] = _grouped_loader(
            db, viewer_id, onboarding_repo.visible_b2b_ids, lambda b: b.organisation_id
        )
        self.organisation_by_id: DataLoader[uuid.UUID, Organisation | None] = _loader(
            db, viewer_id, organisation_repo.visible_by_ids, lambda o: o.id
        )
        self.account_by_id: DataLoader[uuid.UUID, Account | None] = _loader(
            db, viewer_id, account_repo.visible_by_ids, lambda a: a.id
        )
        self.membership_by_id: DataLoader[uuid.UUID, Membership | None] = _loader(
            db, viewer_id, organisation_repo.visible_memberships_by_ids, lambda m: m.id
        )
        self.viewer_membership_by_organisation_id: DataLoader[uuid.UUID, Membership | None] = (
            _loader(
                db, viewer_id, organisation_repo.viewer_memberships, lambda m: m.organisation_id
            )
        )

        self.payment_by_id: DataLoader[uuid.UUID, Payment | None] = _loader(
            db, viewer_id, payment_repo.visible_by_ids, lambda p: p.id
        )
        self.allocations_by_payment_id: DataLoader[uuid.UUID, list[PaymentAllocation]] = (
            _mapped_loader(db, payment_repo.allocations_of)
        )
        self.payments_by_document_id: DataLoader[uuid.UUID, list[Payment]] = _mapped_loader(
            db, lambda session, ids: payment_repo.payments_of_documents(session, viewer_id, ids)
        )
        self.credited_by_document_id: DataLoader[uuid.UUID, int] = _mapped_loader(
            db, ledger.credited, missing=0
        )

    def first_members_page(self, first: int) -> DataLoader[uuid.UUID, Page[Membership]]:
        """``MembersPageByOrganisationIdLoader`` for pages that start at the beginning."""
        if first not in self._first_members:
            self._first_members[first] = _first_members_loader(self.db, self.viewer_id, first)
        return self._first_members[first]

    def contacts_by_gstin(self, limit: int) -> DataLoader[tuple[uuid.UUID, str], list[Contact]]:
        """``ContactsByOrganisationGstinLoader``: live contacts per (organisation, GSTIN), at
        most ``limit`` each, for every contact of a page in one statement."""
        if limit not in self._same_gstin:
            db, viewer_id = self.db, self.viewer_id

            async def load(keys: list[tuple[uuid.UUID, str]]) -> list[list[Contact]]:
                async with db.read() as session:
                    rows = await contact_repo.same_gstin_many(session, viewer_id, keys, limit)
                grouped: dict[tuple[uuid.UUID, str], list[Contact]] = {k: [] for k in keys}
                for row in rows:
                    if row.gstin is not None:
                        grouped.setdefault((row.organisation_id, row.gstin), []).append(row)
                return [grouped[k] for k in keys]

            self._same_gstin[limit] = DataLoader(load_fn=load)
        return self._same_gstin[limit]
