"""Handlers for B2B ID registration and KYC submission, and their polls.

Each reads what it needs, calls the network outside any transaction, and records the outcome
under the lease, checking again that the record still waits for it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from contract.errors import NetworkRefusedError
from contract.port import Network
from db.models import B2BId, B2BIdStatus, KycProfile, KycStatus
from db.repositories import onboarding as onboarding_repo
from db.repositories import outbox as repo
from db.unit_of_work import UnitOfWork
from resolvers.dispatcher.base import POLL_SECONDS, Reschedule, Work
from resolvers.services import b2b_ids, kyc


@dataclass(frozen=True)
class _Registration:
    id: uuid.UUID
    request_id: str
    value: str
    gstin: str
    legal_name: str
    private: bool


async def _registration(work: Work, status: B2BIdStatus) -> _Registration | None:
    wanted = str(work.message.payload.get("b2bIdId"))
    if work.message.organisation_id is None:
        return None
    async with work.read() as uow:
        records = await onboarding_repo.latest_b2b_ids(uow.session, [work.message.organisation_id])
        record = next((r for r in records if str(r.id) == wanted), None)
        if record is None or record.status != status:
            return None
        found = await onboarding_repo.onboarding(uow.session, record.organisation_id)
        legal_name = (found.legal_name or "") if found is not None else ""
        return _Registration(
            record.id, record.request_id, record.value, record.gstin, legal_name, record.private
        )


async def _locked(
    uow: UnitOfWork, registration: _Registration, status: B2BIdStatus
) -> B2BId | None:
    record = await uow.session.get(B2BId, registration.id, with_for_update=True)
    return record if record is not None and record.status == status else None


async def _send(network: Network, registration: _Registration) -> str | None:
    """Submit the B2B ID (same request id every time); the refusal's reason, if refused."""
    try:
        await network.b2b_id_register(
            request_id=registration.request_id, b2b_id=registration.value,
            gstin=registration.gstin, legal_name=registration.legal_name,
            private=registration.private,
        )  # fmt: skip
    except NetworkRefusedError as exc:
        return exc.message
    return None


async def register_b2b_id(network: Network, work: Work) -> Reschedule | None:
    registration = await _registration(work, B2BIdStatus.SUBMITTING)
    if registration is None:
        return None
    state, reason = "PENDING", None
    decided = None
    if work.message.attempts > 1:
        # An earlier try timed out: it may have reached the network. Ask before repeating.
        decided = await network.b2b_id_status(registration.request_id)
    if decided is not None and decided.state != "UNKNOWN":
        state, reason = decided.state, decided.reason
    else:
        refused = await _send(network, registration)
        if refused is not None:
            state, reason = "REJECTED", refused
    async with work.write() as uow:
        record = await _locked(uow, registration, B2BIdStatus.SUBMITTING)
        if record is not None:
            await _after_registration(uow, record, state, reason, work)
    return None


async def poll_b2b_id(network: Network, work: Work) -> Reschedule | None:
    registration = await _registration(work, B2BIdStatus.PENDING_APPROVAL)
    if registration is None:
        return None
    decision = await network.b2b_id_status(registration.request_id)
    state, reason = decision.state, decision.reason
    if state == "UNKNOWN":
        # The network had lost it (or never kept it): send it again, same request id.
        refused = await _send(network, registration)
        if refused is not None:
            state, reason = "REJECTED", refused
    if state in {"APPROVED", "REJECTED"}:
        async with work.write() as uow:
            record = await _locked(uow, registration, B2BIdStatus.PENDING_APPROVAL)
            if record is not None:
                await b2b_ids.decide_b2b_id(
                    uow, record, approved=state == "APPROVED", reason=reason, now=work.now
                )
        return None
    return Reschedule(work.now + timedelta(seconds=POLL_SECONDS))


async def _after_registration(
    uow: UnitOfWork, record: B2BId, state: str, reason: str | None, work: Work
) -> None:
    """The network has the registration: wait for its decision (and poll, in case the decision
    message is lost)."""
    if state in {"APPROVED", "REJECTED"}:
        await b2b_ids.decide_b2b_id(
            uow, record, approved=state == "APPROVED", reason=reason, now=work.now
        )
        return
    record.status = B2BIdStatus.PENDING_APPROVAL
    await repo.add(
        uow.session, organisation_id=record.organisation_id, kind=b2b_ids.POLL_KIND,
        payload={"b2bIdId": str(record.id)}, due=work.now + timedelta(seconds=POLL_SECONDS),
    )  # fmt: skip


@dataclass(frozen=True)
class _Submission:
    request_id: str
    b2b_id: str
    summary: dict[str, Any]


async def _submission(work: Work) -> _Submission | None:
    organisation_id = work.message.organisation_id
    if organisation_id is None:
        return None
    async with work.read() as uow:
        profile = await kyc.profile_of(uow, organisation_id)
        if profile is None or profile.status != KycStatus.SUBMITTED or profile.request_id is None:
            return None
        b2b_ids = await onboarding_repo.active_b2b_ids(uow.session, [organisation_id])
        documents = await kyc.documents_of(uow, organisation_id)
        return _Submission(
            profile.request_id,
            b2b_ids[0].value if b2b_ids else "",
            {
                "owners": len(await kyc.owners_of(uow, organisation_id)),
                "documents": sorted(d.kind for d in documents),
                "ifsc": profile.bank_ifsc,
            },
        )


async def _submitted(uow: UnitOfWork, work: Work, request_id: str) -> KycProfile | None:
    """The profile, locked, if it still waits for the decision on ``request_id``."""
    assert work.message.organisation_id is not None
    profile = await kyc.profile_of(uow, work.message.organisation_id, for_update=True)
    if profile is None or profile.status != KycStatus.SUBMITTED:
        return None
    return profile if profile.request_id == request_id else None


async def submit_kyc(network: Network, work: Work) -> Reschedule | None:
    submission = await _submission(work)
    if submission is None:
        return None
    state, reason = "PENDING", None
    decided = None
    if work.message.attempts > 1:
        decided = await network.kyc_status(submission.request_id)
    if decided is not None and decided.state != "UNKNOWN":
        state, reason = decided.state, decided.reason
    else:
        try:
            await network.kyc_submit(
                request_id=submission.request_id, b2b_id=submission.b2b_id,
                summary=submission.summary,
            )  # fmt: skip
        except NetworkRefusedError as exc:
            state, reason = "REJECTED", exc.message
    async with work.write() as uow:
        profile = await _submitted(uow, work, submission.request_id)
        if profile is None:
            return None
        if state in {"APPROVED", "REJECTED"}:
            await kyc.decide(
                uow, profile, approved=state == "APPROVED", reason=reason, now=work.now
            )
            return None
        await repo.add(
            uow.session, organisation_id=profile.organisation_id, kind=kyc.POLL_KIND,
            payload={}, due=work.now + timedelta(seconds=POLL_SECONDS),
        )  # fmt: skip
    return None


async def poll_kyc(network: Network, work: Work) -> Reschedule | None:
    submission = await _submission(work)
    if submission is None:
        return None
    decision = await network.kyc_status(submission.request_id)
    if decision.state == "PENDING":
        return Reschedule(work.now + timedelta(seconds=POLL_SECONDS))
    async with work.write() as uow:
        profile = await _submitted(uow, work, submission.request_id)
        if profile is None:
            return None
        if decision.state in {"APPROVED", "REJECTED"}:
            await kyc.decide(
                uow, profile, approved=decision.state == "APPROVED", reason=decision.reason,
                now=work.now,
            )  # fmt: skip
            return None
        # Lost upstream: the next submission attempt sends it again (same request id).
        await repo.add(
            uow.session, organisation_id=profile.organisation_id, kind=kyc.SUBMIT_KIND,
            payload={}, due=work.now,
        )  # fmt: skip
    return None
