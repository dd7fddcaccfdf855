"""The network's dead letters: messages it gave up delivering to the service (its receiver
kept failing), and what operators do about them. Each keeps the message as the wire carries
it; an operator may have one delivered again (``retried``: it is sent afresh, with its
attempts counted anew) or end it (``dropped``), each with who and why. A letter's state is
``DEAD`` until an action after it; a retried message that dies again is a new letter."""

from __future__ import annotations

from dataclasses import dataclass

from contract.wire import inbound_from_json
from simulator.core import NetworkCore
from simulator.world import DeadLetter, DeadLetterAction

ACTIONS = ("retried", "dropped")
MAX_REASON = 500
MAX_ACTOR = 100


class DeadLetterError(ValueError):
    """An action that cannot be taken (no such letter, no reason...)."""


class DeadLetterConflictError(DeadLetterError):
    """The letter was retried or dropped already."""


@dataclass(frozen=True)
class Letter:
    """A dead letter with its state and the actions taken on it."""

    letter: DeadLetter
    state: str
    actions: list[DeadLetterAction]


def letters(network: NetworkCore) -> list[Letter]:
    """Every dead letter, oldest first, with its state."""
    world = network.world
    found = []
    for letter in world.dead_letters:
        actions = [
            a for a in world.dead_letter_actions
            if a.message_id == letter.message_id and a.at >= letter.at
        ]  # fmt: skip
        state = "DEAD" if not actions else actions[-1].action.upper()
        found.append(Letter(letter, state, actions))
    return found


def act(
    network: NetworkCore,
    action: str,
    *,
    message_id: str | None = None,
    kind: str | None = None,
    actor: str,
    reason: str,
) -> list[str]:
    """Retry or drop one dead letter (``message_id``) or, for a retry, every dead one of a
    ``kind``; all or nothing. The ids acted on."""
    if action not in ACTIONS:
        raise DeadLetterError(f"the action is one of {', '.join(ACTIONS)}")
    reason, actor = " ".join(reason.split()), " ".join(actor.split())
    if not reason or len(reason) > MAX_REASON:
        raise DeadLetterError(f"say why, in at most {MAX_REASON} characters")
    if not actor or len(actor) > MAX_ACTOR:
        raise DeadLetterError(f"say who, in at most {MAX_ACTOR} characters")
    if (message_id is None) == (kind is None):
        raise DeadLetterError("name one message, or (to retry) a kind")
    if kind is not None and action != "retried":
        raise DeadLetterError("drop messages one at a time")
    latest = {entry.letter.message_id: entry for entry in letters(network)}
    if message_id is not None:
        entry = latest.get(message_id)
        if entry is None:
            raise DeadLetterError(f"no dead letter {message_id}")
        chosen = [entry]
    else:
        chosen = [e for e in latest.values() if e.letter.kind == kind and e.state == "DEAD"]
        if not chosen:
            raise DeadLetterError(f"no dead letter of kind {kind}")
    for entry in chosen:
        if entry.state != "DEAD":
            msg = f"{entry.letter.message_id} was {entry.state.lower()} already"
            raise DeadLetterConflictError(msg)
        if action == "retried" and entry.letter.message is None:
            raise DeadLetterError(f"{entry.letter.message_id} was kept without its message")
    now = network.clock.now()
    for entry in chosen:
        letter = entry.letter
        network.world.dead_letter_actions.append(
            DeadLetterAction(letter.message_id, action, actor, reason, now)
        )
        if action == "retried" and letter.message is not None:
            network.failed_deliveries.pop(letter.message_id, None)
            network.send(inbound_from_json(letter.message))
    network.changed()
    return [entry.letter.message_id for entry in chosen]
