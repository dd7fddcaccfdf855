"""Payment events on the organisation's stream."""

from __future__ import annotations

import uuid

from db.models import Payment
from db.repositories import event as event_repo
from db.unit_of_work import UnitOfWork

STATUS_CHANGED = "PAYMENT_STATUS_CHANGED"
RECEIVED = "PAYMENT_RECEIVED"


def _data(payment: Payment) -> dict[str, object]:
    return {
        "paymentId": str(payment.id), "paymentStatus": payment.status.value,
        "direction": payment.direction.value, "amountPaise": payment.amount_paise,
        **({"reason": payment.failure_reason} if payment.failure_reason else {}),
    }  # fmt: skip


async def status_changed(uow: UnitOfWork, payment: Payment, actor: uuid.UUID | None = None) -> None:
    """A payment moved (or was made)."""
    await event_repo.append(
        uow, organisation_id=payment.organisation_id, kind=STATUS_CHANGED,
        actor_account_id=actor, data=_data(payment),
    )  # fmt: skip


async def received(uow: UnitOfWork, payment: Payment) -> None:
    """Money came in (or a buyer reported paying outside the network)."""
    await event_repo.append(
        uow, organisation_id=payment.organisation_id, kind=RECEIVED, data=_data(payment)
    )
