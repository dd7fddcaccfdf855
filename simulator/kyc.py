"""KYC reviews: submitted, decided later as the behaviour says."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from contract.onboarding import Decision
from simulator.core import NetworkCore
from simulator.world import Review


class KycReviews(NetworkCore):
    """The network's KYC desk."""

    async def kyc_submit(
        self,
        *,
        request_id: str,
        b2b_id: str,
        summary: Mapping[str, Any],  # noqa: ARG002 (the simulated desk decides by behaviour)
    ) -> None:
        """Accept KYC for review (a repeat of a request id is a no-op)."""
        fault = await self.enter("kyc_submit")
        if request_id not in self.world.reviews:
            review = Review(request_id, "KYC", b2b_id)
            self.world.reviews[request_id] = review
            delay = self.world.behaviour.kyc_review_seconds * self.random.uniform(0.8, 1.2)
            review.decide_at = self.clock.now() + timedelta(seconds=delay)
            self.schedule(delay, "decide_kyc", request_id=request_id)
        self.after(fault, "kyc_submit")

    async def _task_decide_kyc(self, request_id: str) -> None:
        review = self.world.reviews.get(request_id)
        if review is None or review.state != "PENDING":
            return
        behaviour = self.world.behaviour
        approved = behaviour.kyc_decision == "APPROVE"
        review.state = "APPROVED" if approved else "REJECTED"
        review.reason = None if approved else behaviour.kyc_reject_reason
        self.changed()
        self.send(
            self.message("KYC_DECIDED", review.request_id, approved=approved, reason=review.reason)
        )

    async def kyc_status(self, request_id: str) -> Decision:
        """Where a KYC review stands."""
        fault = await self.enter("kyc_status")
        review = self.world.reviews.get(request_id)
        self.after(fault, "kyc_status")
        if review is None or review.kind != "KYC":
            return Decision(request_id, "UNKNOWN")
        return Decision(request_id, review.state, review.reason)
