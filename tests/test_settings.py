"""Settings from the environment."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from server.settings import DEFAULT_DATABASE_URL, Settings, SettingsError

SECRET = "k" * 40
NETWORK = {
    "NETWORK_URL": "https://network.example",
    "NETWORK_API_KEY": "a" * 40,
    "NETWORK_WEBHOOK_SECRET": "w" * 40,
}


def test_development_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.environment == "development"
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.graphiql and settings.introspection and settings.seed_demo
    assert settings.broker == "memory"
    assert settings.max_body_bytes == 65536


def test_production_turns_explorer_introspection_and_seeding_off_unless_asked() -> None:
    settings = Settings.from_env({"ENVIRONMENT": "production", "SECRET_KEY": SECRET, **NETWORK})
    assert not (settings.graphiql or settings.introspection or settings.seed_demo)
    sandbox = Settings.from_env(
        {
            "ENVIRONMENT": "production",
            "GRAPHIQL": "true",
            "INTROSPECTION": "1",
            "SECRET_KEY": SECRET,
            **NETWORK,
        }
    )
    assert settings.network_url == "https://network.example"
    assert sandbox.graphiql and sandbox.introspection and not sandbox.seed_demo


def test_postgres_urls_are_normalised_and_pick_the_postgres_broker() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/app",
            "WORKERS": "4",
            "NETWORK_URL": "http://127.0.0.1:8001",
        }
    )
    assert settings.database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/app"
    assert settings.broker == "postgres"
    assert settings.workers == 4


def test_origins_lists() -> None:
    settings = Settings.from_env({"CORS_ALLOWED_ORIGINS": "https://a.example, https://b.example"})
    assert settings.cors_allowed_origins == ("https://a.example", "https://b.example")
    assert settings.ws_allowed_origins == settings.cors_allowed_origins
    only_ws = Settings.from_env(
        {"CORS_ALLOWED_ORIGINS": "https://a.example", "WS_ALLOWED_ORIGINS": ""}
    )
    assert only_ws.ws_allowed_origins == ()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ENVIRONMENT": "staging"}, "ENVIRONMENT"),
        ({"PORT": "eighty"}, "PORT must be an integer"),
        ({"WORKERS": "0"}, "WORKERS must be at least 1"),
        ({"WORKERS": "2"}, "WORKERS > 1 needs PostgreSQL"),
        ({"BROKER": "postgres"}, "BROKER=postgres needs a PostgreSQL"),
        ({"BROKER": "kafka"}, "BROKER must be"),
        ({"GRAPHIQL": "maybe"}, "GRAPHIQL must be a boolean"),
        (
            {"ENVIRONMENT": "production", "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": SECRET},
            "refused in production",
        ),
        ({"ENVIRONMENT": "production", **NETWORK}, "SECRET_KEY must be set in production"),
        ({"ENVIRONMENT": "production", "SECRET_KEY": SECRET}, "production needs NETWORK_URL"),
        (
            {"ENVIRONMENT": "production", "SECRET_KEY": SECRET, **NETWORK, "NETWORK_API_KEY": ""},
            "production needs NETWORK_URL",
        ),
        (
            {
                "ENVIRONMENT": "production",
                "SECRET_KEY": SECRET,
                **NETWORK,
                "NETWORK_API_KEY": "a" * 31,
            },
            r"need 32\+ characters",
        ),
        (
            {
                "ENVIRONMENT": "production",
                "SECRET_KEY": SECRET,
                **NETWORK,
                "NETWORK_WEBHOOK_SECRET": "short-secret",
            },
            r"need 32\+ characters",
        ),
        ({"NETWORK_URL": "ftp://x"}, "NETWORK_URL must be an http"),
        (
            {"DATABASE_URL": "postgresql://postgres@127.0.0.1/app", "WORKERS": "2"},
            "WORKERS > 1 needs the network service",
        ),
        ({"SECRET_KEY": "short"}, "at least 32 characters"),
    ],
)
def test_bad_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize(("threshold", "frozen"), [("12345", True), ("0", False)])
def test_the_served_app_tunes_the_garbage_collector_as_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, threshold: str, frozen: bool
) -> None:
    from server.app import serve

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'gc.db'}")
    monkeypatch.setenv("GC_GEN0_THRESHOLD", threshold)
    before = gc.get_threshold()
    gc.unfreeze()
    try:
        serve()
        assert gc.get_threshold()[0] == (12345 if frozen else before[0])
        assert (gc.get_freeze_count() > 0) is frozen
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    with pytest.raises(SettingsError, match="GC_GEN0_THRESHOLD must be at least 0"):
        Settings.from_env({"GC_GEN0_THRESHOLD": "-1"})
