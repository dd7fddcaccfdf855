"""Receiving: a document the network delivers is identified, checked (see
:mod:`resolvers.services.inbox.checks`) and booked into the receiver's inbox once; one that can
be identified but not booked is answered to the sender as a refusal; one that cannot even be
identified is logged and dropped."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contract.identifiers import STATE_CODES
from db.models import (
    Contact,
    Direction,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    GstTreatment,
    InboxStatus,
    InboxTombstone,
)
from db.repositories import contact as contact_repo
from db.repositories import document as repo
from db.repositories import onboarding as onboarding_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import tax
from resolvers.services.documents import date_problems, fiscal_year
from resolvers.services.documents.inputs import due_date_for
from resolvers.services.inbox import checks
from resolvers.services.inbox.common import MONEY_KEYS, RECEIVED_EVENT, event, history, queue_answer

logger = logging.getLogger("bharat_connect.inbox")


class MalformedMessageError(ValueError):
    """A received document the service cannot book."""


@dataclass(frozen=True)
class Received:
    """Who sent which document to which of our organisations: enough to answer it."""

    organisation_id: uuid.UUID
    network_id: str
    version: int
    kind: DocumentKind
    number: str
    sender: str


class UnbookableDocumentError(MalformedMessageError):
    """An identified document we cannot book: the sender is answered with a refusal."""

    def __init__(self, received: Received, reason: str) -> None:
        super().__init__(reason)
        self.received = received
        self.reason = reason


def _text(data: Mapping[str, Any], key: str, limit: int, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        msg = f"bad {key}"
        raise MalformedMessageError(msg)
    return value.strip()


def _int(data: Mapping[str, Any], key: str, *, minimum: int | None = None) -> int:
    """An integer field; none may pass our largest document total (every amount, quantity
    and count a sender could send is below it, and it is far inside 64 bits)."""
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        msg = f"bad {key}"
        raise MalformedMessageError(msg)
    if abs(value) > tax.MAX_DOCUMENT_TOTAL_PAISE:
        msg = f"{key} over the maximum"
        raise MalformedMessageError(msg)
    if minimum is not None and value < minimum:
        msg = f"bad {key}"
        raise MalformedMessageError(msg)
    return value


def _date(raw: object) -> dt.date:
    if not isinstance(raw, str) or len(raw) != 10:
        msg = "bad date"
        raise MalformedMessageError(msg)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        msg = "bad date"
        raise MalformedMessageError(msg) from exc


def _dates(
    data: Mapping[str, Any], content: Mapping[str, Any], now: dt.datetime
) -> tuple[dt.date, dt.date | None]:
    """The document date and due date, within the bounds our own documents keep."""
    day = _date(data.get("documentDate"))
    due = content.get("dueDate")
    due_day = None if due is None else _date(due)
    if date_problems(day, due_day, now.date()):
        msg = "dates out of range"
        raise MalformedMessageError(msg)
    return day, due_day


def _lines(content: Mapping[str, Any]) -> list[DocumentLine]:
    raw = content.get("lines")
    if not isinstance(raw, list) or not 1 <= len(raw) <= 200:
        msg = "bad lines"
        raise MalformedMessageError(msg)
    made = []
    for position, line in enumerate(raw):
        if not isinstance(line, Mapping):
            msg = "bad line"
            raise MalformedMessageError(msg)
        made.append(
            DocumentLine(
                position=position, description=_text(line, "description", 300),
                hsn_sac=_text(line, "hsnSac", 8),
                quantity_milli=_int(line, "quantityMilli", minimum=1),
                unit_price_paise=_int(line, "unitPrice", minimum=0),
                discount_paise=_int(line, "discount", minimum=0),
                tax_rate_bp=_int(line, "taxRateBp", minimum=0),
                **{f"{key}_paise": _int(line, key, minimum=0) for key in MONEY_KEYS},
            )
        )  # fmt: skip
    return made


async def _counterparty(
    uow: UnitOfWork, organisation_id: uuid.UUID, sender: str, content: Mapping[str, Any],
    *, kind: DocumentKind, now: dt.datetime,
) -> Contact:  # fmt: skip
    """The contact the sender is filed under: linked by B2B ID, else by GSTIN, else a new one."""
    gstin = _text(content, "senderGstin", 15, required=False)
    contact = await contact_repo.counterparty(uow.session, organisation_id, sender, gstin)
    vendor = kind in checks.SENT_BY_SELLER
    if contact is None:
        name = _text(content, "senderName", 200, required=False) or sender
        state = gstin[:2] if gstin and gstin[:2] in STATE_CODES else None
        contact = Contact(
            organisation_id=organisation_id, is_vendor=vendor, is_customer=not vendor,
            display_name=name, legal_name=name, gstin=gstin,
            gst_treatment=GstTreatment.REGISTERED_REGULAR if gstin else GstTreatment.UNREGISTERED,
            place_of_supply=state, state_code=state, b2b_id=sender, linked_at=now,
            created_at=now, updated_at=now,
        )  # fmt: skip
        uow.session.add(contact)
        await uow.session.flush()
        return contact
    if vendor and not contact.is_vendor:
        contact.is_vendor = True
    if not vendor and not contact.is_customer:
        contact.is_customer = True
    if contact.b2b_id is None:
        contact.b2b_id, contact.linked_at = sender, now
    return contact


async def receive(uow: UnitOfWork, data: Mapping[str, Any], now: dt.datetime) -> Document | None:
    """Book a document the network delivered into the receiver's inbox, once.

    Repeats, versions already held and tombstoned versions are ignored; a newer version of a
    document not yet answered replaces it. Raises :class:`MalformedMessageError` for a message
    that cannot be booked."""
    receiver = _text(data, "receiverB2BId", 50) or ""
    holder = await onboarding_repo.approved_b2b_id_holder(uow.session, receiver)
    if holder is None:
        logger.warning("document for %s, which is not hosted here", receiver)
        return None
    organisation_id = holder.organisation_id
    network_id = _text(data, "networkId", 40) or ""
    version = _int(data, "version", minimum=1)
    sender = _text(data, "senderB2BId", 50) or ""
    if await repo.tombstone(uow.session, organisation_id, network_id, version) is not None:
        logger.info("late echo of rejected document %s v%s ignored", network_id, version)
        return None
    earlier = await repo.received(uow.session, organisation_id, network_id)
    if earlier is not None:
        if earlier.version >= version or earlier.inbox_status != InboxStatus.RECEIVED:
            return None
        await repo.delete_received(uow.session, earlier)
    try:
        kind = DocumentKind(_text(data, "kind", 24) or "")
    except ValueError as exc:
        raise MalformedMessageError(str(exc)) from exc
    number = _text(data, "number", 16) or ""
    received = Received(organisation_id, network_id, version, kind, number, sender)
    try:
        return await _book(uow, received, data, now)
    except MalformedMessageError as exc:
        raise UnbookableDocumentError(received, str(exc)) from exc


async def _book(
    uow: UnitOfWork, received: Received, data: Mapping[str, Any], now: dt.datetime
) -> Document:
    """Check and book an identified document (``MalformedMessageError`` says why not)."""
    organisation_id, kind, number = received.organisation_id, received.kind, received.number
    sender, version, network_id = received.sender, received.version, received.network_id
    content = data.get("content")
    if not isinstance(content, Mapping):
        msg = "no content"
        raise MalformedMessageError(msg)
    day, due_day = _dates(data, content, now)
    year = fiscal_year(day)
    if await repo.number_taken(
        uow.session, organisation_id, kind.value, year, number, received_from=sender
    ):
        msg = f"Number {number} was used by an earlier {kind.value.lower()} of yours in {year}."
        raise MalformedMessageError(msg)
    ours = await onboarding_repo.active_b2b_ids(uow.session, [organisation_id])
    gstins = await onboarding_repo.gstins(uow.session, organisation_id)
    attested = data.get("senderGstin")
    problem = checks.parties_problem(
        kind, content, sender=sender,
        attested_sender_gstin=attested if isinstance(attested, str) else None,
        our_b2b_ids={b.value.lower() for b in ours}, our_gstins={g.gstin for g in gstins},
    )  # fmt: skip
    if problem is not None:
        raise MalformedMessageError(problem)
    totals = content.get("totals")
    if not isinstance(totals, Mapping):
        msg = "no totals"
        raise MalformedMessageError(msg)
    lines = _lines(content)
    seller_gstin = _text(content, "sellerGstin", 15, required=False)
    place_of_supply = _text(content, "placeOfSupply", 2) or ""
    supply_type = _text(content, "supplyType", 16) or ""
    problem = checks.figures_problem(
        lines, totals, supply_type=supply_type, place_of_supply=place_of_supply,
        seller_gstin=seller_gstin, round_to_rupee=bool(content.get("roundToRupee")),
        under_lut=bool(content.get("underLut")),
    )  # fmt: skip
    if problem is not None:
        raise MalformedMessageError(problem)
    contact = await _counterparty(uow, organisation_id, sender, content, kind=kind, now=now)
    reference = None
    reference_network_id = data.get("referenceNetworkId")
    if isinstance(reference_network_id, str):
        referenced = await repo.received(uow.session, organisation_id, reference_network_id)
        if referenced is None:
            referenced = await repo.sent_by_network_id(
                uow.session, organisation_id, reference_network_id
            )
        reference = None if referenced is None else referenced.id
    document = Document(
        organisation_id=organisation_id, kind=kind, direction=Direction.INCOMING,
        received_from=sender, inbox_status=InboxStatus.RECEIVED, reference_id=reference,
        number=number, fiscal_year=year, contact_id=contact.id, document_date=day,
        due_date=await due_date_for(
            uow.session, organisation_id, kind, document_date=day, given=due_day,
            contact_terms=contact.payment_terms_days,
        ),
        seller_gstin=seller_gstin, place_of_supply=place_of_supply, supply_type=supply_type,
        round_to_rupee=bool(content.get("roundToRupee")),
        under_lut=bool(content.get("underLut")),
        **{f"{key}_paise": _int(totals, key, minimum=0) for key in MONEY_KEYS},
        rounding_paise=_int(totals, "rounding"), total_paise=_int(totals, "total", minimum=0),
        status=DocumentStatus.RECEIVED, version=version, network_id=network_id,
        notes=_text(content, "notes", 1000, required=False), created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(document)
    await uow.session.flush()
    for line in lines:
        line.document_id = document.id
        uow.session.add(line)
    history(uow, document, "RECEIVED", now, detail=f"From {sender}, version {version}.")
    await event(uow, document, RECEIVED_EVENT, None, b2bId=sender)
    return document


async def refuse(uow: UnitOfWork, received: Received, reason: str, now: dt.datetime) -> None:
    """Answer a document we cannot book with a refusal (once: a tombstone keeps the answer and
    makes later echoes of that version ignored)."""
    if await repo.tombstone(
        uow.session, received.organisation_id, received.network_id, received.version
    ):
        return
    tombstone = InboxTombstone(
        organisation_id=received.organisation_id, network_id=received.network_id,
        version=received.version, kind=received.kind, number=received.number,
        sender_b2b_id=received.sender, action="REJECT",
        reason=" ".join(reason.split())[:500] or "Refused.",
        actor_account_id=None, created_at=now,
    )  # fmt: skip
    uow.session.add(tombstone)
    await uow.session.flush()
    await queue_answer(uow, tombstone.organisation_id, {"tombstoneId": str(tombstone.id)}, now)
