"""Records as JSON and back (what :mod:`simulator.store` writes in its rows), and the network's
whole state as one JSON document: the format an earlier version saved in one row, which the
store reads once to move it into its tables, and which tests use to compare two states."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from simulator import ledger
from simulator.core import NetworkCore
from simulator.faults import Fault, Faults
from simulator.financing_world import Financier, FinancingRecord
from simulator.ledger import Transfer
from simulator.world import (
    Behaviour,
    CardRecord,
    DeadLetter,
    DeadLetterAction,
    DirectoryEntry,
    NetworkPayment,
    Participant,
    Review,
    SentDocument,
    SentMessage,
    TaxpayerRecord,
    Tracked,
    TrackedSet,
    World,
)

FORMAT = 1


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (times as ``{"$t": iso}``)."""
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def back(value: Any) -> Any:
    """What :func:`plain` made, back (times again)."""
    if isinstance(value, dict):
        if set(value) == {"$t"}:
            return datetime.fromisoformat(value["$t"])
        return {k: back(v) for k, v in value.items()}
    if isinstance(value, list):
        return [back(v) for v in value]
    return value


def row(record: Any) -> dict[str, Any]:
    """A dataclass record as JSON-ready data."""
    return {f.name: plain(getattr(record, f.name)) for f in dataclasses.fields(record)}


def behaviour(saved: dict[str, Any]) -> Behaviour:
    """The world's behaviour from its saved row."""
    data = dict(saved)
    data["document_answers"] = {
        k: (v[0], v[1]) for k, v in data.get("document_answers", {}).items()
    }
    return Behaviour(**data)


def dump(network: NetworkCore) -> dict[str, Any]:
    """Everything the network holds, as JSON-ready data."""
    world = network.world
    return {
        "format": FORMAT,
        "world": {
            "taxpayers": [row(t) for t in world.taxpayers.view()],
            "directory": [row(e) for e in world.directory.view()],
            "reviews": [row(r) for r in world.reviews.view()],
            "messages": [row(m) for m in world.messages],
            "documents": [row(d) for d in world.documents.view()],
            "carried": [list(c) for c in world.carried],
            "deadLetters": [row(d) for d in world.dead_letters],
            "deadLetterActions": [row(a) for a in world.dead_letter_actions],
            "participants": [row(p) for p in world.participants.view()],
            "payments": [row(p) for p in world.payments.view()],
            "cards": [row(c) for c in world.cards.view()],
            "transfers": [row(t) for t in world.transfers],
            "financiers": [row(f) for f in world.financiers.view()],
            "financing": [row(r) for r in world.financing.view()],
            "paymentRequests": sorted(world.payment_requests),
            "behaviour": row(world.behaviour),
        },
        # What was running when saved runs again after a restart.
        "queue": [
            plain([due, order, task, args])
            for due, order, task, args in [*network.in_flight, *network.queue]
        ],
        "faults": {
            "queued": {
                op: [None if f is None else row(f) for f in q]
                for op, q in network.faults.queued().items()
            },
            "outageUntil": plain(network.faults.outage_until),
        },
        "random": plain(network.random.getstate()),
        "failedDeliveries": dict(network.failed_deliveries),
    }


def load(network: NetworkCore, data: dict[str, Any]) -> None:
    """Put a dumped state back into ``network``."""
    if data.get("format") != FORMAT:
        msg = f"unknown simulator state format {data.get('format')!r}"
        raise ValueError(msg)
    saved = back(data["world"])
    world = World(behaviour=behaviour(saved["behaviour"]))
    for row in saved["taxpayers"]:
        world.add_taxpayer(TaxpayerRecord(**row))
    for row in saved["directory"]:
        world.add_directory_entry(DirectoryEntry(**row))
    world.reviews = Tracked((r["request_id"], Review(**r)) for r in saved["reviews"])
    world.messages = [SentMessage(**m) for m in saved["messages"]]
    world.documents = Tracked((d["network_id"], SentDocument(**d)) for d in saved["documents"])
    world.carried = [(c[0], c[1]) for c in saved["carried"]]
    world.dead_letters = [DeadLetter(**d) for d in saved["deadLetters"]]
    world.dead_letter_actions = [DeadLetterAction(**a) for a in saved.get("deadLetterActions", [])]
    world.participants = Tracked(
        (p["api_key"], Participant(**p)) for p in saved.get("participants", [])
    )
    world.payments = Tracked(
        (p["network_id"], NetworkPayment(**p)) for p in saved.get("payments", [])
    )
    world.cards = Tracked((c["token"], CardRecord(**c)) for c in saved.get("cards", []))
    world.transfers = [Transfer(**t) for t in saved.get("transfers", [])]
    for old in saved.get("settlements", []):  # saved before the ledger: against clearing
        account = ledger.participant(old["b2b_id"])
        debit, credit = (
            (account, ledger.CLEARING)
            if old["direction"] == "DEBIT"
            else (ledger.CLEARING, account)
        )
        world.transfers.append(
            Transfer(old["line_id"], "PAYMENT" if debit == account else "SETTLEMENT", old["day"],
                     debit, credit, old["amount_paise"], old["utr"], old["virtual_account"],
                     old["payment_network_id"], old["document_network_ids"])
        )  # fmt: skip
    world.financiers = Tracked(
        (f["financier_id"], Financier(**f)) for f in saved.get("financiers", [])
    )
    world.financing = Tracked(
        (r["request_id"], FinancingRecord(**r)) for r in saved.get("financing", [])
    )
    world.payment_requests = TrackedSet(saved.get("paymentRequests", []))
    network.world = world
    network.restore_queue(
        [(due, order, task, args) for due, order, task, args in back(data["queue"])]
    )
    faults = Faults()
    for op, queue in data["faults"]["queued"].items():
        faults.restore(op, [None if f is None else Fault(**f) for f in queue])
    faults.outage_until = back(data["faults"]["outageUntil"])
    network.faults = faults
    version, internal, gauss = data["random"]
    network.random.setstate((version, tuple(internal), gauss))
    network.failed_deliveries = dict(data["failedDeliveries"])
