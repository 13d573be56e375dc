"""The trigger endpoints over HTTP (the model is messaging.py) and their /sim/ inspection:

POST /campaigns/trigger/send, POST /canvas/trigger/send    Braze's, with every fault
GET  /sim/messages?campaign_id=..|canvas_id=..[&user=..]   messages sent, per user
GET|PUT /sim/messaging   campaigns (id -> API-triggered), Canvases (id -> state), and
                         lost_answer_rate (calls acted on whose answer is lost)
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from looker_braze.sim.braze.endpoint import TrackEndpoint, json_object
from looker_braze.sim.braze.faults import drop_connection
from looker_braze.sim.braze.messaging import Messaging


class TriggerEndpoint(TrackEndpoint):
    """The trigger endpoints over raw ASGI, with /users/track's faults, keys and quota."""

    def __init__(self, sim, kind: str) -> None:
        super().__init__(sim)
        self.kind = kind
        self.permission = f"{'campaigns' if kind == 'campaign' else 'canvas'}.trigger.send"

    async def _answer(self, scope, receive, send, queued: bool, lose: bool = False) -> None:
        # ``lose``: the fault every endpoint has (applied, then dropped); the messaging setting
        # loses the answer by a drop or a 504.
        if lose or not self.sim.messaging.draw_lost():
            await super()._answer(scope, receive, send, False, lose)  # no "queued" for triggers
            return
        await self._handle(scope, receive, False)  # Braze acts ...
        self.sim.messaging.lost_answers += 1
        if self.sim.messaging.lost_by_drop():  # ... and the answer is lost
            self.sim.counters.requests["dropped"] += 1
            await drop_connection(send)
        else:
            await self._send_server_error(send, 504)

    def _answer_body(self, body: bytes, key_in_body: bool, limit: list, queued: bool):
        payload, refused = json_object(body)
        if refused is not None:
            return 400, refused, limit
        if key_in_body:  # the deprecated api_key in the body: not on these endpoints
            return 401, {"message": "Invalid API Key"}, limit
        identities = self.sim.workspace.identities
        return (*self.sim.messaging.trigger(self.kind, payload, identities), limit)


def trigger_endpoints(sim) -> dict[str, TriggerEndpoint]:
    """The trigger endpoints by path, served raw like /users/track (app.py)."""
    return {
        "/campaigns/trigger/send": TriggerEndpoint(sim, "campaign"),
        "/canvas/trigger/send": TriggerEndpoint(sim, "canvas"),
    }


# -- inspection and settings under /sim/ ---------------------------------------------------------


def _json(data, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def _messaging(request: Request) -> Messaging:
    return request.app.state.sim.messaging


async def messages(request: Request) -> Response:
    """GET /sim/messages?campaign_id=..|canvas_id=..[&user=..]: messages per user (external
    id, else braze id): {"users": {user: count}, "total", "dispatch_ids"}, or one user's list."""
    params = request.query_params
    kind = "campaign" if "campaign_id" in params else "canvas" if "canvas_id" in params else None
    if kind is None:
        return _json({"message": "give campaign_id or canvas_id"}, 400)
    inbox = _messaging(request).messages(kind, params[f"{kind}_id"])
    user = params.get("user")
    if user is not None:
        return _json([vars(message) for message in inbox.get(user, [])])
    dispatches = sorted({m.dispatch_id for sent in inbox.values() for m in sent})
    return _json(
        {
            "users": {name: len(sent) for name, sent in inbox.items()},
            "total": sum(len(sent) for sent in inbox.values()),
            "dispatch_ids": dispatches,
        }
    )


async def messaging_settings(request: Request) -> Response:
    """PUT /sim/messaging {"campaigns": {id: api_triggered}, "canvases": {id: state},
    "lost_answer_rate": share}: any of them; GET shows them with the call counts."""
    messaging = _messaging(request)
    if request.method == "PUT":
        try:
            body = orjson.loads(await request.body())
            for campaign_id, api_triggered in body.get("campaigns", {}).items():
                messaging.add_campaign(campaign_id, bool(api_triggered))
            for canvas_id, state in body.get("canvases", {}).items():
                messaging.set_canvas(canvas_id, state)
            if "lost_answer_rate" in body:
                messaging.set_lost_answer_rate(float(body["lost_answer_rate"]))
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError) as exc:
            return _json({"message": f"invalid messaging settings: {exc}"}, 400)
    return _json(
        {
            "campaigns": messaging.campaigns,
            "canvases": messaging.canvases,
            "lost_answer_rate": messaging.lost_answer_rate,
            "calls": messaging.calls,
            "lost_answers": messaging.lost_answers,
        }
    )


def trigger_routes() -> list[Route]:
    return [
        Route("/sim/messages", messages),
        Route("/sim/messaging", messaging_settings, methods=["GET", "PUT"]),
    ]
