"""The network's whole state as JSON, and back: the world, the timetable, the faults, the
seeded random and the delivery attempts. What :mod:`simulator.store` saves."""

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
    DirectoryEntry,
    NetworkPayment,
    Participant,
    Review,
    SentDocument,
    SentMessage,
    TaxpayerRecord,
    World,
)

FORMAT = 1


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _back(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$t"}:
            return datetime.fromisoformat(value["$t"])
        return {k: _back(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_back(v) for v in value]
    return value


def _row(record: Any) -> dict[str, Any]:
    return {f.name: _plain(getattr(record, f.name)) for f in dataclasses.fields(record)}


def dump(network: NetworkCore) -> dict[str, Any]:
    """Everything the network holds, as JSON-ready data."""
    world = network.world
    return {
        "format": FORMAT,
        "world": {
            "taxpayers": [_row(t) for t in world.taxpayers.values()],
            "directory": [_row(e) for e in world.directory.values()],
            "reviews": [_row(r) for r in world.reviews.values()],
            "messages": [_row(m) for m in world.messages],
            "documents": [_row(d) for d in world.documents.values()],
            "carried": [list(c) for c in world.carried],
            "deadLetters": [_row(d) for d in world.dead_letters],
            "participants": [_row(p) for p in world.participants.values()],
            "payments": [_row(p) for p in world.payments.values()],
            "cards": [_row(c) for c in world.cards.values()],
            "transfers": [_row(t) for t in world.transfers],
            "financiers": [_row(f) for f in world.financiers.values()],
            "financing": [_row(r) for r in world.financing.values()],
            "paymentRequests": sorted(world.payment_requests),
            "behaviour": _row(world.behaviour),
        },
        # What was running when saved runs again after a restart.
        "queue": [
            _plain([due, order, task, args])
            for due, order, task, args in [*network.in_flight, *network.queue]
        ],
        "faults": {
            "queued": {
                op: [None if f is None else _row(f) for f in q]
                for op, q in network.faults.queued().items()
            },
            "outageUntil": _plain(network.faults.outage_until),
        },
        "random": _plain(network.random.getstate()),
        "failedDeliveries": dict(network.failed_deliveries),
    }


def load(network: NetworkCore, data: dict[str, Any]) -> None:
    """Put a dumped state back into ``network``."""
    if data.get("format") != FORMAT:
        msg = f"unknown simulator state format {data.get('format')!r}"
        raise ValueError(msg)
    saved = _back(data["world"])
    behaviour = dict(saved["behaviour"])
    behaviour["document_answers"] = {
        k: (v[0], v[1]) for k, v in behaviour.get("document_answers", {}).items()
    }
    world = World(behaviour=Behaviour(**behaviour))
    for row in saved["taxpayers"]:
        world.add_taxpayer(TaxpayerRecord(**row))
    for row in saved["directory"]:
        world.add_directory_entry(DirectoryEntry(**row))
    world.reviews = {r["request_id"]: Review(**r) for r in saved["reviews"]}
    world.messages = [SentMessage(**m) for m in saved["messages"]]
    world.documents = {d["network_id"]: SentDocument(**d) for d in saved["documents"]}
    world.carried = [(c[0], c[1]) for c in saved["carried"]]
    world.dead_letters = [DeadLetter(**d) for d in saved["deadLetters"]]
    world.participants = {p["api_key"]: Participant(**p) for p in saved.get("participants", [])}
    world.payments = {p["network_id"]: NetworkPayment(**p) for p in saved.get("payments", [])}
    world.cards = {c["token"]: CardRecord(**c) for c in saved.get("cards", [])}
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
    world.financiers = {f["financier_id"]: Financier(**f) for f in saved.get("financiers", [])}
    world.financing = {r["request_id"]: FinancingRecord(**r) for r in saved.get("financing", [])}
    world.payment_requests = set(saved.get("paymentRequests", []))
    network.world = world
    network.restore_queue(
        [(due, order, task, args) for due, order, task, args in _back(data["queue"])]
    )
    faults = Faults()
    for op, queue in data["faults"]["queued"].items():
        faults.restore(op, [None if f is None else Fault(**f) for f in queue])
    faults.outage_until = _back(data["faults"]["outageUntil"])
    network.faults = faults
    version, internal, gauss = data["random"]
    network.random.setstate((version, tuple(internal), gauss))
    network.failed_deliveries = dict(data["failedDeliveries"])
