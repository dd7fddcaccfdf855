"""Demo data for development: idempotent, safe to run on every start and from several workers."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import text

from db.base import utcnow
from db.models import GstTreatment, MembershipRole
from db.repositories import account as account_repo
from resolvers.context import AppState
from resolvers.services import accounts, contacts, onboarding, organisations
from resolvers.services.accounts import normalise_email
from simulator import demo

logger = logging.getLogger("bharat_connect.seed")

SEED_LOCK_KEY = 0x42C0_4E43_7400_0002


@dataclass(frozen=True)
class DemoAccount:
    """A demo login."""

    email: str
    password: str
    display_name: str


OWNER = DemoAccount("owner@sharma-traders.example", "Sharma-Demo-Login-2026", "Asha Sharma")
STAFF = DemoAccount("staff@sharma-traders.example", "Ravi-Demo-Login-2026", "Ravi Kumar")
KAVERI = DemoAccount("owner@kaveri-components.example", "Kaveri-Demo-Login-2026", "Lakshmi Rao")
DEMO_ACCOUNTS = (OWNER, STAFF, KAVERI)


async def seed_demo(state: AppState) -> None:
    """Create the demo accounts and organisations unless they exist."""
    async with state.unit_of_work() as uow:
        if state.db.dialect == "postgresql":
            await uow.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEED_LOCK_KEY}
            )
        _, owner_key = normalise_email(OWNER.email, ("email",))
        if await account_repo.by_email(uow.session, owner_key) is not None:
            return
        created = {}
        for person in DEMO_ACCOUNTS:
            account = await accounts.create_account(
                uow,
                state.hasher,
                email=person.email,
                password=person.password,
                display_name=person.display_name,
            )
            account.email_verified_at = utcnow()  # the demo's addresses count as proven
            created[person.email] = accounts.Viewer(account.id, token_id=None)
        sharma = await organisations.create(
            uow, created[OWNER.email], name="Sharma Traders", idempotency_key=None
        )
        for gstin in (demo.SHARMA_MH, demo.SHARMA_KA):
            await onboarding.add_gstin(
                uow, created[OWNER.email], organisation_id=sharma.id, gstin=gstin
            )
        await organisations.join(
            uow,
            organisation_id=sharma.id,
            account_id=created[STAFF.email].account_id,
            role=MembershipRole.STAFF,
            actor_account_id=created[OWNER.email].account_id,
        )
        for name, gstin, kinds in (
            ("Ganga Steel", demo.GANGA_UP, (False, True)),
            ("Narmada Chemicals", demo.NARMADA_GJ, (False, True)),
            ("Tapti Foods", demo.TAPTI_DL, (True, False)),
            ("Kaveri Components", demo.KAVERI_KA, (True, True)),
        ):
            await contacts.create(
                uow, created[OWNER.email], organisation_id=sharma.id,
                details=contacts.ContactIn(
                    display_name=name, legal_name=None, is_customer=kinds[0], is_vendor=kinds[1],
                    gstin=gstin, gst_treatment=GstTreatment.REGISTERED_REGULAR,
                    place_of_supply=None, address_line=None, city=None, state_code=None, pin=None,
                    email=None, phone=None,
                ),
            )  # fmt: skip
        kaveri = await organisations.create(
            uow, created[KAVERI.email], name="Kaveri Components", idempotency_key=None
        )
        await onboarding.add_gstin(
            uow, created[KAVERI.email], organisation_id=kaveri.id, gstin=demo.KAVERI_KA
        )
    logger.info("seeded demo accounts and organisations")
