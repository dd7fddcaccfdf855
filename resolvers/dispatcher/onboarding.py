"""Handlers for B2B ID registration and KYC submission, and their polls."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.models import (
    B2BId,
    B2BIdStatus,
    KycProfile,
    KycStatus,
    OutboxMessage,
)
from db.repositories import onboarding as onboarding_repo
from db.repositories import outbox as repo
from db.unit_of_work import UnitOfWork
from resolvers.dispatcher.base import POLL_SECONDS, Reschedule
from resolvers.services import kyc, onboarding
from resolvers.services.network import (
    Network,
    NetworkRefusedError,
)


async def register_b2b_id(
    network: Network, uow: UnitOfWork, message: OutboxMessage, now: datetime
) -> Reschedule | None:
    record = await _b2b_id(uow, message)
    if record is None or record.status != B2BIdStatus.SUBMITTING:
        return None
    if message.attempts > 1:
        # An earlier try timed out: it may have reached the network. Ask before repeating.
        decision = await network.b2b_id_status(record.request_id)
        if decision.state != "UNKNOWN":
            await _after_registration(uow, record, decision.state, decision.reason, now)
            return None
    if await send_registration(network, uow, record, now):
        await _after_registration(uow, record, "PENDING", None, now)
    return None


async def send_registration(
    network: Network, uow: UnitOfWork, record: B2BId, now: datetime
) -> bool:
    """Submit the B2B ID (same request id every time); a refusal rejects it."""
    try:
        await network.b2b_id_register(
            request_id=record.request_id, b2b_id=record.value, gstin=record.gstin,
            legal_name=await _legal_name(uow, record), private=record.private,
        )  # fmt: skip
    except NetworkRefusedError as exc:
        await onboarding.decide_b2b_id(uow, record, approved=False, reason=exc.message, now=now)
        return False
    return True


async def poll_b2b_id(
    network: Network, uow: UnitOfWork, message: OutboxMessage, now: datetime
) -> Reschedule | None:
    record = await _b2b_id(uow, message)
    if record is None or record.status != B2BIdStatus.PENDING_APPROVAL:
        return None
    decision = await network.b2b_id_status(record.request_id)
    if decision.state in {"APPROVED", "REJECTED"}:
        await onboarding.decide_b2b_id(
            uow, record, approved=decision.state == "APPROVED", reason=decision.reason, now=now
        )
        return None
    if decision.state == "UNKNOWN" and not await send_registration(network, uow, record, now):
        # The network had lost it (or never kept it) and refused it when sent again.
        return None
    return Reschedule(now + timedelta(seconds=POLL_SECONDS))


async def submit_kyc(
    network: Network, uow: UnitOfWork, message: OutboxMessage, now: datetime
) -> Reschedule | None:
    profile = await _kyc_profile(uow, message)
    if profile is None or profile.status != KycStatus.SUBMITTED or profile.request_id is None:
        return None
    if message.attempts > 1:
        decision = await network.kyc_status(profile.request_id)
        if decision.state != "UNKNOWN":
            await _after_kyc_submission(uow, profile, decision.state, decision.reason, now)
            return None
    b2b_ids = await onboarding_repo.active_b2b_ids(uow.session, [profile.organisation_id])
    documents = await kyc.documents_of(uow, profile.organisation_id)
    try:
        await network.kyc_submit(
            request_id=profile.request_id,
            b2b_id=b2b_ids[0].value if b2b_ids else "",
            summary={
                "owners": len(await kyc.owners_of(uow, profile.organisation_id)),
                "documents": sorted(d.kind for d in documents),
                "ifsc": profile.bank_ifsc,
            },
        )
    except NetworkRefusedError as exc:
        await kyc.decide(uow, profile, approved=False, reason=exc.message, now=now)
        return None
    await _after_kyc_submission(uow, profile, "PENDING", None, now)
    return None


async def poll_kyc(
    network: Network, uow: UnitOfWork, message: OutboxMessage, now: datetime
) -> Reschedule | None:
    profile = await _kyc_profile(uow, message)
    if profile is None or profile.status != KycStatus.SUBMITTED or profile.request_id is None:
        return None
    decision = await network.kyc_status(profile.request_id)
    if decision.state in {"APPROVED", "REJECTED"}:
        await kyc.decide(
            uow, profile, approved=decision.state == "APPROVED", reason=decision.reason, now=now
        )
        return None
    if decision.state == "UNKNOWN":
        # Lost upstream: the next submission attempt sends it again (same request id).
        await repo.add(
            uow.session, organisation_id=profile.organisation_id, kind=kyc.SUBMIT_KIND,
            payload={}, due=now,
        )  # fmt: skip
        return None
    return Reschedule(now + timedelta(seconds=POLL_SECONDS))


async def _kyc_profile(uow: UnitOfWork, message: OutboxMessage) -> KycProfile | None:
    if message.organisation_id is None:
        return None
    return await kyc.profile_of(uow, message.organisation_id, for_update=True)


async def _after_kyc_submission(
    uow: UnitOfWork, profile: KycProfile, state: str, reason: str | None, now: datetime
) -> None:
    if state in {"APPROVED", "REJECTED"}:
        await kyc.decide(uow, profile, approved=state == "APPROVED", reason=reason, now=now)
        return
    await repo.add(
        uow.session, organisation_id=profile.organisation_id, kind=kyc.POLL_KIND,
        payload={}, due=now + timedelta(seconds=POLL_SECONDS),
    )  # fmt: skip


async def _b2b_id(uow: UnitOfWork, message: OutboxMessage) -> B2BId | None:
    records = (
        await onboarding_repo.latest_b2b_ids(uow.session, [message.organisation_id])
        if message.organisation_id
        else []
    )
    wanted = str(message.payload.get("b2bIdId"))
    return next((r for r in records if str(r.id) == wanted), None)


async def _legal_name(uow: UnitOfWork, record: B2BId) -> str:
    found = await onboarding_repo.onboarding(uow.session, record.organisation_id)
    return found.legal_name or "" if found is not None else ""


async def _after_registration(
    uow: UnitOfWork, record: B2BId, state: str, reason: str | None, now: datetime
) -> None:
    """The network has the registration: wait for its decision (and poll, in case the decision
    message is lost)."""
    if state in {"APPROVED", "REJECTED"}:
        await onboarding.decide_b2b_id(
            uow, record, approved=state == "APPROVED", reason=reason, now=now
        )
        return
    record.status = B2BIdStatus.PENDING_APPROVAL
    await repo.add(
        uow.session, organisation_id=record.organisation_id, kind=onboarding.POLL_KIND,
        payload={"b2bIdId": str(record.id)}, due=now + timedelta(seconds=POLL_SECONDS),
    )  # fmt: skip
