"""How the network refuses, times out or is unavailable (every operation of the port)."""

from __future__ import annotations


class NetworkError(Exception):
    """Base of the port's errors."""


class NetworkRefusedError(NetworkError):
    """A definite refusal, with a machine-readable reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class NetworkTimeoutError(NetworkError):
    """No answer in time: the outcome upstream is unknown."""


class NetworkUnavailableError(NetworkError):
    """The network (or the GSTN portal) is down."""
