"""The B2B ID directory: availability, search, registration and its review."""

from __future__ import annotations

from datetime import timedelta

from contract.errors import NetworkRefusedError
from contract.onboarding import Decision, DirectoryListing
from simulator.core import NetworkCore
from simulator.world import DirectoryEntry, Review


class Directory(NetworkCore):
    """B2B IDs on the network."""

    async def b2b_id_available(self, b2b_id: str) -> bool:
        """Whether nobody holds (or waits for) this B2B ID."""
        fault = await self.enter("b2b_id_available")
        entry = self.world.directory.get(b2b_id.lower())
        self.after(fault, "b2b_id_available")
        return entry is None or entry.state == "REJECTED"

    async def directory_search(self, gstin: str) -> list[DirectoryListing]:
        """Public, approved B2B IDs of a GSTIN, in a stable order."""
        fault = await self.enter("directory_search")
        found = sorted(
            (e for e in self.world.directory.view()
             if e.gstin == gstin and not e.private and e.state == "APPROVED"),
            key=lambda e: e.b2b_id,
        )  # fmt: skip
        self.after(fault, "directory_search")
        return [DirectoryListing(e.b2b_id, e.gstin, e.legal_name) for e in found]

    async def b2b_id_register(
        self, *, request_id: str, b2b_id: str, gstin: str, legal_name: str, private: bool
    ) -> None:
        """Accept a registration for review (a repeat of a request id is a no-op)."""
        fault = await self.enter("b2b_id_register")
        if request_id in self.world.reviews:
            self.after(fault, "b2b_id_register")
            return
        key = b2b_id.lower()
        existing = self.world.directory.get(key)
        if existing is not None and existing.state != "REJECTED":
            raise NetworkRefusedError("B2B_ID_TAKEN", "This B2B ID is taken on the network.")
        self.world.add_directory_entry(
            DirectoryEntry(
                key, gstin, legal_name, private=private, state="PENDING", request_id=request_id,
                hosted=True,
            )
        )  # fmt: skip
        review = Review(request_id, "B2B_ID", key)
        self.world.reviews[request_id] = review
        delay = self.world.behaviour.b2b_review_seconds * self.random.uniform(0.8, 1.2)
        review.decide_at = self.clock.now() + timedelta(seconds=delay)
        self.schedule(delay, "decide_b2b_id", request_id=request_id)
        self.after(fault, "b2b_id_register")

    async def _task_decide_b2b_id(self, request_id: str) -> None:
        review = self.world.reviews.get(request_id)
        if review is None or review.state != "PENDING":
            return
        reason = self.world.behaviour.reject_b2b_ids.get(review.subject)
        review.state = "REJECTED" if reason else "APPROVED"
        review.reason = reason
        entry = self.world.directory.get(review.subject)
        if entry is not None:
            entry.state = review.state
        self.changed()
        self.send(
            self.message(
                "B2B_ID_DECIDED", review.request_id, approved=reason is None, reason=reason,
                data={"b2bId": review.subject},
            )
        )  # fmt: skip

    async def b2b_id_status(self, request_id: str) -> Decision:
        """Where a registration stands."""
        fault = await self.enter("b2b_id_status")
        review = self.world.reviews.get(request_id)
        self.after(fault, "b2b_id_status")
        if review is None or review.kind != "B2B_ID":
            return Decision(request_id, "UNKNOWN")
        return Decision(request_id, review.state, review.reason)
