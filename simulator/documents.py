"""Documents on the network: carried to their receivers, answered, and the sender told."""

from __future__ import annotations

from typing import Literal

from contract.documents import DocumentMessage, DocumentState
from contract.errors import NetworkRefusedError
from simulator.core import NetworkCore
from simulator.world import SentDocument

_ANSWERED: dict[str, Literal["ACCEPTED", "REJECTED", "RETURNED"]] = {
    "ACCEPT": "ACCEPTED",
    "REJECT": "REJECTED",
    "RETURN": "RETURNED",
}


class Documents(NetworkCore):
    """The document exchange."""

    async def document_send(self, message: DocumentMessage) -> None:
        """Carry a document to its receiver: a receiver hosted by the service gets it in its
        inbox; external receivers answer after a while, as configured."""
        fault = await self.enter("document_send")
        receiver = self.world.directory.get(message.receiver_b2b_id.lower())
        if receiver is None or receiver.state != "APPROVED":
            raise NetworkRefusedError(
                "RECEIVER_NOT_FOUND", "No business on the network has this B2B ID."
            )
        held = self.world.documents.get(message.network_id)
        if held is not None and message.version < held.version:
            raise NetworkRefusedError(
                "VERSION_CONFLICT", "The network holds a newer version of this document."
            )
        if held is not None and message.version == held.version:
            self.after(fault, "document_send")
            return
        reference = message.reference_network_id
        if reference is not None and reference not in self.world.documents:
            raise NetworkRefusedError(
                "REFERENCE_NOT_FOUND", "The receiver lacks the document this note is against."
            )
        document = SentDocument(
            message.network_id, message.version, message.sender_b2b_id, receiver.b2b_id,
            message.kind, message.number, content=dict(message.content),
            reference_network_id=reference, document_date=message.document_date,
            total_paise=message.total_paise,
        )  # fmt: skip
        self.world.documents[message.network_id] = document
        self.world.carried.append((message.network_id, message.version))
        self.changed()
        if receiver.hosted:
            delay = self.world.behaviour.document_delivery_seconds
            self.schedule(
                delay, "hand_over", network_id=document.network_id, version=document.version
            )
        else:
            answer, remarks = self.world.behaviour.document_answers.get(
                receiver.b2b_id, ("ACCEPT", "")
            )
            delay = self.world.behaviour.document_answer_seconds * self.random.uniform(0.8, 1.2)
            self.schedule(
                delay, "answer", network_id=document.network_id, version=document.version,
                action=answer, remarks=remarks or None,
            )  # fmt: skip
        self.after(fault, "document_send")

    def _held(self, network_id: str, version: int) -> SentDocument | None:
        """The document, if the network still holds this version of it."""
        held = self.world.documents.get(network_id)
        return held if held is not None and held.version == version else None

    async def _task_hand_over(self, network_id: str, version: int) -> None:
        """Deliver a document to a receiver hosted by the service (unless superseded)."""
        document = self._held(network_id, version)
        if document is None:
            return
        sender = self.world.directory.get(document.sender.lower())
        self.send(
            self.message(
                "DOCUMENT_RECEIVED", document.network_id, approved=True, reason=None,
                data={
                    "networkId": document.network_id, "kind": document.kind,
                    "version": document.version, "senderB2BId": document.sender,
                    "receiverB2BId": document.receiver, "number": document.number,
                    "documentDate": document.document_date,
                    "totalPaise": document.total_paise,
                    "referenceNetworkId": document.reference_network_id,
                    # The network vouches for the sender's GSTIN (its directory entry).
                    "senderGstin": None if sender is None else sender.gstin,
                    # What the network holds (what it delivers on every retry).
                    "content": dict(document.content),
                },
            )
        )  # fmt: skip

    async def _task_answer(
        self, network_id: str, version: int, action: str, remarks: str | None
    ) -> None:
        """An external receiver answers."""
        document = self._held(network_id, version)
        if document is None or document.state != "DELIVERED":
            return
        document.state = _ANSWERED[action]
        document.remarks = remarks
        self.changed()
        await self._task_tell_sender(network_id, version, action, remarks)

    async def _task_tell_sender(
        self, network_id: str, version: int, action: str, remarks: str | None
    ) -> None:
        held = self.world.documents.get(network_id)
        sender = None if held is None else self.world.directory.get(held.sender.lower())
        if sender is None or not sender.hosted:
            return  # an external sender reads the answer with GET /v1/documents/{id}
        self.send(
            self.message(
                "DOCUMENT_ANSWERED", network_id, approved=action == "ACCEPT", reason=remarks,
                data={"action": action, "version": version},
            )
        )  # fmt: skip

    async def document_answer(
        self,
        *,
        network_id: str,
        version: int,
        answerer_b2b_id: str,
        action: str,
        remarks: str | None,
    ) -> None:
        """A receiver hosted by the service answers a document; the sender is told."""
        fault = await self.enter("document_answer")
        held = self.world.documents.get(network_id)
        if held is None:
            raise NetworkRefusedError("DOCUMENT_NOT_FOUND", "The network holds no such document.")
        if held.receiver.lower() != answerer_b2b_id.lower():
            raise NetworkRefusedError("NOT_RECEIVER", "Only the receiver may answer a document.")
        if held.version != version:
            raise NetworkRefusedError(
                "VERSION_CONFLICT", "The network holds another version of this document."
            )
        if action not in _ANSWERED:
            raise NetworkRefusedError("INVALID_ANSWER", "Answer ACCEPT, REJECT or RETURN.")
        if held.state != "DELIVERED":
            if held.state == _ANSWERED[action]:
                self.after(fault, "document_answer")
                return
            raise NetworkRefusedError("ALREADY_ANSWERED", "This document was answered already.")
        held.state = _ANSWERED[action]
        held.remarks = remarks
        self.changed()
        # Told to the sender a moment later, outside the caller's transaction.
        self.schedule(
            0, "tell_sender", network_id=network_id, version=version, action=action,
            remarks=remarks,
        )  # fmt: skip
        self.after(fault, "document_answer")

    async def document_status(self, network_id: str) -> DocumentState:
        """Where a document stands."""
        fault = await self.enter("document_status")
        held = self.world.documents.get(network_id)
        self.after(fault, "document_status")
        if held is None:
            return DocumentState(network_id, "UNKNOWN")
        return DocumentState(network_id, held.state, held.version, held.remarks)
