"""uvicorn's HTTP/1.1 protocol (httptools) with a deadline for a request's head.

uvicorn closes idle keep-alive connections, but a client that opens a connection and then
trickles its request line and headers a byte at a time holds it (and a file descriptor) for as
long as it likes. Here a request's head must arrive within ``HEADER_TIMEOUT_SECONDS`` (10) of
the connection opening, or of its first byte on a kept-alive connection; otherwise the
connection is closed; a head over 16 KiB is answered 431 and the connection closed (uvicorn's
own header cap applies to h11 only). Behind a reverse proxy, the proxy's own header timeout
and size do the same; this holds when uvicorn faces clients directly.
"""

from __future__ import annotations

import asyncio
import os

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0
# A request's head (request line and headers) is at most this large.
MAX_HEAD_BYTES = 16 * 1024


def header_timeout() -> float:
    """The deadline in seconds (read in each worker process from the environment)."""
    try:
        return max(float(os.environ.get("HEADER_TIMEOUT_SECONDS", "")), 0.1)
    except ValueError:
        return DEFAULT_HEADER_TIMEOUT_SECONDS


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """:class:`HttpToolsProtocol` that closes a connection whose request head is too slow."""

    _head_timer: asyncio.TimerHandle | None = None
    _head_done = False
    _head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if not self._head_done:
            if self._head_timer is None:
                self._arm()  # the first bytes of the next request on a kept-alive connection
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:  # (body bytes in the same read count too)
                self._disarm()
                self.transport.write(
                    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                    b"content-length: 0\r\nconnection: close\r\n\r\n"
                )
                self.transport.close()
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._head_done = True
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._head_done = False  # the next request's head is timed from its first byte
        self._head_bytes = 0
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(header_timeout(), self._too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _too_slow(self) -> None:
        self._head_timer = None
        if not self._head_done and not self.transport.is_closing():
            self.transport.close()
