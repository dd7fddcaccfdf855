"""Mutations and queries that ask the network something, without holding a transaction open
across the call.

The work runs as usual in a unit of work, but against a stand-in for the network: the first
time it asks something the stand-in does not know yet, the pass is abandoned (rolled back,
nothing written), the question is put to the network outside any transaction, and the work
runs again in a fresh transaction, where the same question (same method, same arguments, same
occurrence) gets the recorded answer, or the recorded error. The work being deterministic
given the database and its inputs, the second pass asks the same; a pass that asks something
new triggers one more round, up to :data:`MAX_PASSES`.

Messages that tell people something (an OTP by SMS or e-mail) are not questions: they are
sent after the commit, and if sending fails, ``undo`` runs in a new transaction (an OTP
challenge nobody received is withdrawn) and the field gets ``NETWORK_UNAVAILABLE``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from contract.documents import DocumentMessage, DocumentState
from contract.errors import NetworkError, NetworkTimeoutError
from contract.financing import FinancingOrder, FinancingState
from contract.messages import InboundHandler
from contract.onboarding import Decision, DirectoryListing, Taxpayer
from contract.payments import (
    Bank,
    CardToken,
    OfflineReport,
    PaymentOrder,
    PaymentRequest,
    PaymentState,
    SettlementLine,
)
from contract.port import Network
from db.unit_of_work import UnitOfWork
from resolvers import mutation
from resolvers.context import Context
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, UserError

T = TypeVar("T")
MAX_PASSES = 8
PREFETCH_CONCURRENCY = 8
Question = tuple[str, tuple[Any, ...], int]


class _NeedsAnswer(Exception):  # noqa: N818 (a control-flow signal, not an error)
    """The work asked something the stand-in does not know yet."""

    def __init__(self, question: Question) -> None:
        super().__init__(question[0])
        self.question = question


class _StandIn:
    """The network as one pass of the work sees it: recorded answers, deferred messages."""

    def __init__(self, answers: Mapping[Question, Any]) -> None:
        self.answers = answers
        self.asked: dict[tuple[str, tuple[Any, ...]], int] = {}
        self.messages: list[tuple[str, tuple[Any, ...]]] = []

    def _answer(self, name: str, args: tuple[Any, ...]) -> Any:
        occurrence = self.asked.get((name, args), 0)
        self.asked[(name, args)] = occurrence + 1
        question = (name, args, occurrence)
        if question not in self.answers:
            raise _NeedsAnswer(question)
        answer = self.answers[question]
        if isinstance(answer, NetworkError):
            raise answer
        return answer

    def set_inbound_handler(self, handler: InboundHandler) -> None:
        """Not for a stand-in."""
        raise NotImplementedError

    async def gstn_taxpayer(self, gstin: str, username: str) -> Taxpayer:
        """Recorded."""
        found: Taxpayer = self._answer("gstn_taxpayer", (gstin, username))
        return found

    async def gstn_status(self, gstin: str) -> str:
        """Recorded."""
        found: str = self._answer("gstn_status", (gstin,))
        return found

    async def b2b_id_available(self, b2b_id: str) -> bool:
        """Recorded."""
        found: bool = self._answer("b2b_id_available", (b2b_id,))
        return found

    async def directory_search(self, gstin: str) -> list[DirectoryListing]:
        """Recorded."""
        found: list[DirectoryListing] = self._answer("directory_search", (gstin,))
        return found

    async def b2b_id_status(self, request_id: str) -> Decision:
        """Recorded."""
        found: Decision = self._answer("b2b_id_status", (request_id,))
        return found

    async def document_status(self, network_id: str) -> DocumentState:
        """Recorded."""
        found: DocumentState = self._answer("document_status", (network_id,))
        return found

    async def kyc_status(self, request_id: str) -> Decision:
        """Recorded."""
        found: Decision = self._answer("kyc_status", (request_id,))
        return found

    async def gstn_send_otp(self, gstin: str, text: str) -> None:
        """Sent after the commit."""
        self.messages.append(("gstn_send_otp", (gstin, text)))

    async def send_sms(self, mobile: str, text: str) -> None:
        """Sent after the commit."""
        self.messages.append(("send_sms", (mobile, text)))

    async def send_email(self, to: str, text: str) -> None:
        """Sent after the commit."""
        self.messages.append(("send_email", (to, text)))

    async def b2b_id_register(self, **_kwargs: Any) -> None:
        """Changes on the network go through the outbox, never from a request."""
        raise NotImplementedError

    async def document_send(self, message: DocumentMessage) -> None:
        """Changes on the network go through the outbox, never from a request."""
        raise NotImplementedError

    async def document_answer(self, **_kwargs: Any) -> None:
        """Changes on the network go through the outbox, never from a request."""
        raise NotImplementedError

    async def kyc_submit(self, **_kwargs: Any) -> None:
        """Changes on the network go through the outbox, never from a request."""
        raise NotImplementedError

    async def payment_initiate(self, order: PaymentOrder) -> PaymentState:
        """Changes on the network go through the outbox, never from a request."""
        raise NotImplementedError

    async def payment_report_offline(self, report: OfflineReport) -> None:
        """Changes on the network go through the outbox, never from a request."""
        raise NotImplementedError

    async def payment_answer_offline(self, **_kwargs: Any) -> None:
        """Changes on the network go through the outbox, never from a request."""
        raise NotImplementedError

    async def payment_request(self, request: PaymentRequest) -> None:
        """Changes on the network go through the outbox, never from a request."""
        raise NotImplementedError

    async def financing_request(self, order: FinancingOrder) -> FinancingState:
        """Changes on the network go through the outbox, never from a request."""
        raise NotImplementedError

    async def financing_accept(self, **_kwargs: Any) -> FinancingState:
        """Changes on the network go through the outbox, never from a request."""
        raise NotImplementedError

    async def financing_cancel(self, **_kwargs: Any) -> FinancingState:
        """Changes on the network go through the outbox, never from a request."""
        raise NotImplementedError

    async def financing_status(self, request_id: str) -> FinancingState:
        """Recorded."""
        found: FinancingState = self._answer("financing_status", (request_id,))
        return found

    async def payment_status(self, network_id: str) -> PaymentState:
        """Recorded."""
        found: PaymentState = self._answer("payment_status", (network_id,))
        return found

    async def settlement_report(self, b2b_id: str, day: str) -> list[SettlementLine]:
        """Recorded."""
        found: list[SettlementLine] = self._answer("settlement_report", (b2b_id, day))
        return found

    async def banks(self) -> list[Bank]:
        """Recorded."""
        found: list[Bank] = self._answer("banks", ())
        return found

    async def card_token(self, token: str) -> CardToken:
        """Recorded."""
        found: CardToken = self._answer("card_token", (token,))
        return found


async def _ask(network: Network, question: Question) -> Any:
    name, args, _ = question
    try:
        return await getattr(network, name)(*args)
    except NetworkError as exc:
        return exc


async def _prefetch(
    network: Network, questions: list[tuple[str, tuple[Any, ...]]], tries: int
) -> dict[Question, Any]:
    """Ask ``questions`` at once (a few at a time); one that times out is asked again, up to
    ``tries`` times, as the work itself would."""
    answers: dict[Question, Any] = {}
    gate = asyncio.Semaphore(PREFETCH_CONCURRENCY)

    async def ask(name: str, args: tuple[Any, ...]) -> None:
        for occurrence in range(tries):
            async with gate:
                answer = await _ask(network, (name, args, occurrence))
            answers[(name, args, occurrence)] = answer
            if not isinstance(answer, NetworkTimeoutError):
                return

    await asyncio.gather(*(ask(name, args) for name, args in dict.fromkeys(questions)))
    return answers


async def run(
    context: Context,
    work: Callable[[UnitOfWork, Network], Awaitable[T]],
    *,
    field: tuple[str, ...],
    undo: Callable[[UnitOfWork], Awaitable[None]] | None = None,
    questions: Callable[[UnitOfWork], Awaitable[list[tuple[str, tuple[Any, ...]]]]] | None = None,
    tries: int = 1,
) -> mutation.Outcome[T]:
    """Run ``work`` with the network's answers got outside any transaction; send what it
    tells people after the commit (``undo`` if that fails). ``questions``, read in a short
    transaction first, are asked before the first pass (all at once, each up to ``tries``
    times): a bulk operation needs one pass, not one per question."""
    network = context.app.network
    answers: dict[Question, Any] = {}
    if questions is not None:
        asked = await mutation.run(context, questions)
        if asked.errors:
            return mutation.refuse(asked.errors[0])
        answers = await _prefetch(network, asked.value or [], tries)
    for _ in range(MAX_PASSES):
        stand_in = _StandIn(answers)
        try:
            outcome = await mutation.run(context, lambda uow: work(uow, stand_in))  # noqa: B023
        except _NeedsAnswer as need:
            answers[need.question] = await _ask(network, need.question)
            continue
        if outcome.errors or not stand_in.messages:
            return outcome
        try:
            for name, args in stand_in.messages:
                await getattr(network, name)(*args)
        except NetworkError:
            if undo is not None:
                await mutation.run(context, undo)
            return mutation.refuse(
                UserError(
                    ErrorCode.NETWORK_UNAVAILABLE, field,
                    "The network did not take the message; try again in a moment.",
                )
            )  # fmt: skip
        return outcome
    return mutation.refuse(
        UserError(ErrorCode.NETWORK_UNAVAILABLE, field, "The network did not answer; try again.")
    )


async def run_on(
    context: Context,
    global_id: str,
    type_name: str,
    field: tuple[str, ...],
    work: Callable[[UnitOfWork, Viewer, uuid.UUID, Network], Awaitable[T]],
    *,
    undo: Callable[[UnitOfWork, uuid.UUID], Awaitable[None]] | None = None,
    unavailable_field: tuple[str, ...] | None = None,
    questions: Callable[
        [UnitOfWork, Viewer, uuid.UUID], Awaitable[list[tuple[str, tuple[Any, ...]]]]
    ]
    | None = None,
    tries: int = 1,
) -> mutation.Outcome[T]:
    """:func:`run` on the object a global id names (as :func:`resolvers.mutation.run_on`);
    ``NETWORK_UNAVAILABLE`` goes on ``unavailable_field`` (``field`` by default)."""
    viewer = await context.require_viewer()
    key = mutation.decode(global_id, type_name, field)
    if isinstance(key, UserError):
        return mutation.refuse(key)

    async def undo_for_key(uow: UnitOfWork) -> None:
        if undo is not None:
            await undo(uow, key)

    async def questions_for_key(uow: UnitOfWork) -> list[tuple[str, tuple[Any, ...]]]:
        return [] if questions is None else await questions(uow, viewer, key)

    return await run(
        context,
        lambda uow, network: work(uow, viewer, key, network),
        field=unavailable_field or field,
        undo=undo_for_key if undo is not None else None,
        questions=questions_for_key if questions is not None else None,
        tries=tries,
    )
