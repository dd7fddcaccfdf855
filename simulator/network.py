"""The simulated Bharat Connect network: implements the service's ``Network`` port.

Asynchronous like the real one: registrations and reviews are acknowledged at once and
decided later, and decisions are delivered to the hosted participant (in process to an inbound
handler; as the network service, by signed webhooks). Deterministic: ids and jitter come from
a seeded random, time from an injectable clock; :meth:`advance` moves a manual clock and runs
whatever fell due, so tests never sleep. When serving, :meth:`run` ticks with real time.

Laid out by domain: :mod:`simulator.gstn` (the GSTN portal and phones),
:mod:`simulator.directory` (B2B IDs), :mod:`simulator.kyc`, :mod:`simulator.documents`,
:mod:`simulator.payments` (the payment rails), :mod:`simulator.payment_reports` (payments
outside the network), :mod:`simulator.financing`, over the plumbing of :mod:`simulator.core`.
"""

from __future__ import annotations

from simulator.core import MAX_DELIVERY_ATTEMPTS, REDELIVERY_SECONDS
from simulator.directory import Directory
from simulator.documents import Documents
from simulator.gstn import GstnPortal
from simulator.kyc import KycReviews
from simulator.payment_reports import PaymentReports

__all__ = ["MAX_DELIVERY_ATTEMPTS", "REDELIVERY_SECONDS", "SimulatedNetwork"]


class SimulatedNetwork(GstnPortal, Directory, KycReviews, Documents, PaymentReports):
    """The network, the GSTN portal and the people's phones."""
