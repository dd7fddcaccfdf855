"""A client that trickles a request's head is cut off (HEADER_TIMEOUT_SECONDS); one that sends
it in time is served, also on a kept-alive connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.conftest import served_api


@pytest.fixture
async def served(database_url: str) -> AsyncIterator[int]:
    """The API in a process of its own, with small limits."""
    async with served_api(
        database_url,
        HEADER_TIMEOUT_SECONDS="1",
    ) as port:
        yield port


async def test_a_trickled_head_is_cut_off(served: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    await writer.drain()
    closed = False
    for _ in range(40):  # a header byte every 0.25 s, for up to 10 s: never a whole head
        try:
            writer.write(b"X")
            await writer.drain()
        except ConnectionError:
            closed = True
            break
        try:
            data = await asyncio.wait_for(reader.read(100), 0.25)
        except TimeoutError:
            continue
        if data == b"":
            closed = True
            break
    writer.close()
    assert closed


async def test_a_head_sent_in_time_is_served_also_when_kept_alive(served: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served)
    for _ in range(2):
        await asyncio.sleep(0.6)  # idle a little less than the deadline each time
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 5)
        assert status.startswith(b"HTTP/1.1 200"), status
        while (await asyncio.wait_for(reader.readline(), 5)) not in {b"\r\n", b""}:
            pass
        body = await asyncio.wait_for(reader.read(4096), 5)
        assert b"ok" in body
    writer.close()


async def test_a_head_over_16_kib_is_refused(served: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 20_000 + b"\r\n")
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    assert status.startswith(b"HTTP/1.1 431"), status
    writer.close()
