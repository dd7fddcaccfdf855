"""The GSTN portal (taxpayers, OTPs to their registered contacts) and people's phones."""

from __future__ import annotations

import re

from contract.errors import NetworkRefusedError
from contract.identifiers import mask_email, mask_mobile
from contract.onboarding import Taxpayer
from simulator.core import NetworkCore
from simulator.world import SentMessage

_OTP = re.compile(r"\b([0-9]{6})\b")


class GstnPortal(NetworkCore):
    """The GSTN portal's side of the network."""

    async def gstn_status(self, gstin: str) -> str:
        """A GSTIN's status on the portal's public search (``UNKNOWN`` if not registered)."""
        fault = await self.enter("gstn_status")
        record = self.world.taxpayers.get(gstin)
        self.after(fault, "gstn_status")
        return "UNKNOWN" if record is None else record.status

    async def gstn_taxpayer(self, gstin: str, username: str) -> Taxpayer:
        """Look a GSTIN up as ``username``."""
        fault = await self.enter("gstn_taxpayer")
        record = self.world.taxpayers.get(gstin)
        if record is None:
            raise NetworkRefusedError(
                "GSTIN_NOT_FOUND", "The GSTN portal does not know this GSTIN."
            )
        if not record.api_access:
            raise NetworkRefusedError(
                "API_ACCESS_DISABLED",
                "API access is not enabled for this GSTIN on the GSTN portal.",
            )
        if record.username.lower() != username.strip().lower():
            raise NetworkRefusedError(
                "USERNAME_MISMATCH", "The GSTN username does not belong to this GSTIN."
            )
        self.after(fault, "gstn_taxpayer")
        return Taxpayer(
            gstin=record.gstin,
            legal_name=record.legal_name,
            trade_name=record.trade_name,
            state_code=record.gstin[:2],
            status=record.status,
            contact_masked=f"{mask_mobile(record.mobile)} and {mask_email(record.email)}",
        )

    async def gstn_send_otp(self, gstin: str, text: str) -> None:
        """Send ``text`` to the registered mobile and e-mail of the GSTIN."""
        fault = await self.enter("gstn_send_otp")
        record = self.world.taxpayers.get(gstin)
        if record is None:
            raise NetworkRefusedError(
                "GSTIN_NOT_FOUND", "The GSTN portal does not know this GSTIN."
            )
        self.send_text("SMS", record.mobile, text)
        self.send_text("EMAIL", record.email, text)
        self.after(fault, "gstn_send_otp")

    async def send_sms(self, mobile: str, text: str) -> None:
        """Send an SMS."""
        fault = await self.enter("send_sms")
        self.send_text("SMS", mobile, text)
        self.after(fault, "send_sms")

    async def send_email(self, to: str, text: str) -> None:
        """Send an e-mail (kept in the world's mail outbox, readable on the control API)."""
        fault = await self.enter("send_email")
        self.send_text("EMAIL", to, text)
        self.after(fault, "send_email")

    def messages_to(self, to: str | None = None) -> list[SentMessage]:
        """Messages sent, newest last, optionally to one mobile or e-mail address."""
        return [m for m in self.world.messages if to is None or m.to == to]

    def last_otp(self, to: str) -> str | None:
        """The OTP in the newest message to ``to``."""
        for message in reversed(self.world.messages):
            if message.to == to:
                found = _OTP.search(message.text)
                if found:
                    return found.group(1)
        return None
