"""The explorer page and every asset it loads are served locally; no outside host."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace

import httpx
import pytest

from server.app import create_app
from server.settings import Settings

HTML = {"accept": "text/html"}


async def test_page_references_no_external_host_and_assets_match_their_hashes(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert re.findall(r"""(?:src|href)=["'](?:https?:)?//""", html) == []
    assert "unpkg" not in html and "cdn" not in html.lower()
    tags = re.findall(r'(?:src|href)="(/graphiql/assets/[^"]+)"\s+integrity="([^"]+)"', html)
    assert len(tags) == 6
    for url, integrity in tags:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
        assert integrity == f"sha384-{digest}", url


async def test_subscription_url_is_derived_from_the_page(client: httpx.AsyncClient) -> None:
    html = (await client.get("/graphql", headers=HTML)).text
    assert 'subscriptionUrl: fetchURL.replace(/^http/, "ws")' in html


async def test_unknown_assets_are_404(client: httpx.AsyncClient) -> None:
    for path in ("/graphiql/assets/../../pyproject.toml", "/graphiql/assets/evil.js"):
        response = await client.get(path)
        assert response.status_code == 404


@pytest.mark.parametrize("graphiql", [False])
async def test_explorer_off_in_production(settings: Settings, graphiql: bool) -> None:
    app = create_app(replace(settings, graphiql=graphiql, migrate_on_start=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        page = await client.get("/graphql", headers=HTML)
        assert page.status_code != 200 or "graphiql" not in page.text.lower()
        assert (await client.get("/graphiql/assets/graphiql.min.js")).status_code == 404
    await app.state.bc.db.dispose()
