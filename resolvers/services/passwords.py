"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

import asyncio
from typing import Literal

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from resolvers.services.errors import ErrorCode, UserError

MIN_LENGTH = 10
MAX_LENGTH = 128
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "password123",
        "password1234",
        "passwordpassword",
        "qwertyuiop",
        "qwerty12345",
        "1q2w3e4r5t",
        "iloveyou12",
        "letmein123",
        "welcome123",
        "admin12345",
        "abcdefghij",
        "abc1234567",
        "zaq12wsxcde",
        "india12345",
        "bharat1234",
        "changeme123",
        "1qaz2wsx3edc",
    }
)


def make_hasher(profile: Literal["strong", "fast"]) -> PasswordHasher:
    """argon2id with RFC 9106's low-memory profile, or the cheapest one for tests."""
    params = profiles.RFC_9106_LOW_MEMORY if profile == "strong" else profiles.CHEAPEST
    return PasswordHasher.from_parameters(params)


def check_strength(password: str, email: str, field: tuple[str, ...]) -> list[UserError]:
    """Why this password is too weak (nothing when it is fine)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        return [UserError(ErrorCode.TOO_LONG, field, f"Use at most {MAX_LENGTH} characters.")]
    if len(set(password)) < 5:
        problems.append("use at least 5 different characters")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        problems.append("avoid commonly used passwords")
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        problems.append("do not include your e-mail address")
    if not problems:
        return []
    return [
        UserError(
            ErrorCode.WEAK_PASSWORD,
            field,
            "Choose a stronger password: " + "; ".join(problems) + ".",
        )
    ]


async def hash_password(hasher: PasswordHasher, password: str) -> str:
    """Hash off the event loop (argon2 is deliberately slow)."""
    return await asyncio.to_thread(hasher.hash, password)


async def verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    """Check a password against a hash, off the event loop."""

    def verify() -> bool:
        try:
            return hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)
