"""The organisation's B2B ID (DOMAIN.md section 2, the last onboarding step): created once
the GSTIN and the mobile number are verified, submitted to the network after commit (the outbox
task ``b2b_id.register``), and approved or rejected by the network later (its webhook, or the
poll ``b2b_id.poll``). A created B2B ID can never be changed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from contract import identifiers
from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from contract.port import Network
from db.base import new_id
from db.models import B2BId, B2BIdStatus
from db.repositories import event as event_repo
from db.repositories import onboarding as repo
from db.repositories import outbox as outbox_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import idempotency
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, UserInputError, network_down
from resolvers.services.onboarding import (
    request_id,
    require_manager,
    require_started,
)

B2B_ID_SUBMITTED = "B2B_ID_SUBMITTED"
B2B_ID_APPROVED = "B2B_ID_APPROVED"
B2B_ID_REJECTED = "B2B_ID_REJECTED"

REGISTER_KIND = "b2b_id.register"
POLL_KIND = "b2b_id.poll"


async def create_b2b_id(
    uow: UnitOfWork,
    viewer: Viewer,
    network: Network,
    *,
    now: datetime,
    organisation_id: uuid.UUID,
    b2b_id: str,
    accept_terms: bool,
    private: bool,
    idempotency_key: str | None,
) -> B2BId:
    """Create the organisation's B2B ID and submit it to the network (after commit)."""
    await require_manager(uow, viewer, organisation_id, ("input", "organisationId"))
    key = idempotency.check_key(idempotency_key, ("input", "idempotencyKey"))
    onboarding = await require_started(uow, organisation_id)
    if (
        onboarding.mobile_verified_at is None
        or onboarding.gstin is None
        or onboarding.legal_name is None
    ):
        raise UserInputError.one(
            ErrorCode.STEP_OUT_OF_ORDER,
            ("input", "b2bId"),
            "Verify the GSTIN and the mobile number first.",
        )
    record_id = new_id()
    earlier = await idempotency.claim(
        uow, scope=f"organisation:{organisation_id}", operation="b2bIdCreate", key=key,
        payload={"b2bId": b2b_id.strip().lower(), "private": private, "acceptTerms": accept_terms},
        new_id=record_id, field=("input", "idempotencyKey"),
    )  # fmt: skip
    if earlier is not None:
        found = [
            b for b in await repo.latest_b2b_ids(uow.session, [organisation_id]) if b.id == earlier
        ]
        if found:
            return found[0]
    if not accept_terms:
        raise UserInputError.one(
            ErrorCode.TERMS_NOT_ACCEPTED,
            ("input", "acceptTerms"),
            "Accept the terms and conditions.",
        )
    current = await repo.active_b2b_ids(uow.session, [organisation_id])
    if current:
        raise UserInputError.one(
            ErrorCode.B2B_ID_IMMUTABLE,
            ("input", "b2bId"),
            f"This organisation's B2B ID is {current[0].value}; once created it cannot be changed.",
        )
    try:
        value = identifiers.check_b2b_id(b2b_id, onboarding.legal_name, onboarding.gstin)
    except ValueError as exc:
        raise UserInputError.one(ErrorCode.INVALID, ("input", "b2bId"), str(exc)) from None
    taken = UserInputError.one(
        ErrorCode.TAKEN, ("input", "b2bId"), "This B2B ID is taken; choose another."
    )
    if await repo.b2b_id_taken_locally(uow.session, value):
        raise taken
    try:
        if not await network.b2b_id_available(value):
            raise taken
    except NetworkRefusedError:
        raise network_down(("input", "b2bId"), refused=True) from None
    except (NetworkTimeoutError, NetworkUnavailableError):
        raise network_down(("input", "b2bId")) from None
    record = B2BId(
        id=record_id, organisation_id=organisation_id, gstin=onboarding.gstin, value=value,
        private=private, status=B2BIdStatus.SUBMITTING, request_id=request_id("BID"),
        created_by_account_id=viewer.account_id, terms_accepted_at=now,
    )  # fmt: skip
    uow.session.add(record)
    await uow.session.flush()
    await outbox_repo.add(
        uow.session, organisation_id=organisation_id, kind=REGISTER_KIND,
        payload={"b2bIdId": str(record.id)}, due=now,
    )  # fmt: skip
    await event_repo.append(
        uow,
        organisation_id=organisation_id,
        kind=B2B_ID_SUBMITTED,
        actor_account_id=viewer.account_id,
        data={"b2bId": value},
    )
    return record


async def decide_b2b_id(
    uow: UnitOfWork, record: B2BId, *, approved: bool, reason: str | None, now: datetime
) -> bool:
    """Apply the network's decision once; ``False`` if it was applied already."""
    if record.status in {B2BIdStatus.APPROVED, B2BIdStatus.REJECTED}:
        return False
    record.status = B2BIdStatus.APPROVED if approved else B2BIdStatus.REJECTED
    record.reason = None if approved else (reason or "Rejected by the network.")
    record.decided_at = now
    await event_repo.append(
        uow, organisation_id=record.organisation_id,
        kind=B2B_ID_APPROVED if approved else B2B_ID_REJECTED,
        data={"b2bId": record.value, **({"reason": record.reason} if record.reason else {})},
    )  # fmt: skip
    return True
