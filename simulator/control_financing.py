"""The control API's financiers (under ``/simulator``, camelCase in and out):

- ``GET  /simulator/financiers``: the financiers and their appetite.
- ``PUT  /simulator/financiers/{financierId}`` ``{"minPaise", "maxPaise", "buyers",
  "minRateBp", "maxRateBp", "feePaise", "answerSeconds", "bidValidSeconds", "share",
  "tenorDays", "neverAnswers"}``: change a financier's appetite and answer time.
- ``GET  /simulator/financing``: every request the network holds, with its bids.
- ``POST /simulator/financing/{requestId}/bids/{bidId}/expire`` and ``.../withdraw``.
- ``POST /simulator/financing/{requestId}/fail-disbursal``: the accepted bid's disbursal fails.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.network import SimulatedNetwork

_FIELDS = {
    "minPaise": ("min_paise", int), "maxPaise": ("max_paise", int),
    "minRateBp": ("min_rate_bp", int), "maxRateBp": ("max_rate_bp", int),
    "feePaise": ("fee_paise", int), "answerSeconds": ("answer_seconds", float),
    "bidValidSeconds": ("bid_valid_seconds", float), "share": ("share", float),
    "tenorDays": ("tenor_days", int), "neverAnswers": ("never_answers", bool),
}  # fmt: skip


def _camel(record: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in dataclasses.asdict(record).items():
        head, *rest = key.split("_")
        out[head + "".join(p[:1].upper() + p[1:] for p in rest)] = value
    return out


def financing_control_routes(network: SimulatedNetwork) -> list[Route]:
    """The financiers' control routes."""

    async def financiers(_request: Request) -> Response:
        return JSONResponse([_camel(f) for f in network.world.financiers.view()])

    async def financier(request: Request) -> Response:
        found = network.world.financiers.get(request.path_params["financierId"])
        if found is None:
            return JSONResponse({"error": "no such financier"}, 404)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"error": "send a JSON object"}, 400)
        changes: dict[str, Any] = {}
        try:
            for key, (name, kind) in _FIELDS.items():
                if key in body:
                    changes[name] = kind(body[key])
            if "buyers" in body:
                changes["buyers"] = [str(b).lower() for b in body["buyers"]]
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        changed = dataclasses.replace(found, **changes)
        if not (
            0 <= changed.min_rate_bp <= changed.max_rate_bp <= 10_000 and 0 < changed.share <= 1
        ):
            return JSONResponse(
                {"error": "rates are 0 to 10000 bp, min ≤ max; share in (0, 1]"}, 400
            )
        network.world.financiers[changed.financier_id] = changed
        network.changed()
        return JSONResponse(_camel(changed))

    async def requests(_request: Request) -> Response:
        return JSONResponse([_camel(r) for r in network.world.financing.view()])

    async def end_bid(request: Request) -> Response:
        action = request.path_params["action"]
        if action not in {"expire", "withdraw"}:
            return JSONResponse({"error": "expire or withdraw"}, 404)
        state = "EXPIRED" if action == "expire" else "WITHDRAWN"
        try:
            record = network.end_bid(
                request.path_params["requestId"], request.path_params["bidId"], state
            )
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 404)
        return JSONResponse(_camel(record))

    async def fail_disbursal(request: Request) -> Response:
        record = network.world.financing.get(request.path_params["requestId"])
        if record is None:
            return JSONResponse({"error": "no such request"}, 404)
        record.fail_disbursal = True
        network.changed()
        return JSONResponse(_camel(record))

    return [
        Route("/financiers", financiers),
        Route("/financiers/{financierId}", financier, methods=["PUT"]),
        Route("/financing", requests),
        Route("/financing/{requestId}/bids/{bidId}/{action:str}", end_bid, methods=["POST"]),
        Route("/financing/{requestId}/fail-disbursal", fail_disbursal, methods=["POST"]),
    ]
