"""Driving the simulator from a test or a demo: the clock, inbound messages, outcomes, the webhook
deliveries, reset. ``Controls`` holds the operations (the ``Simulator`` exposes them as methods);
``control_response`` serves them over HTTP under ``/__sim__/``, a prefix no Twilio path uses.

| method and path | form fields | answer |
| --- | --- | --- |
| GET /__sim__/clock | | the clock |
| POST /__sim__/clock/advance | Seconds | the clock, once every webhook due by then was attempted |
| POST /__sim__/clock/pause, /__sim__/clock/resume | | the clock |
| POST /__sim__/messages | From, To, Body, MediaUrl (repeatable) | 201, the inbound Message |
| GET /__sim__/outcomes | | the outcome table |
| POST /__sim__/outcomes | Kind (messages/calls), To, Status, ErrorCode, Machine, Reject | the table |
| DELETE /__sim__/outcomes | Kind, To (query) | the table |
| GET /__sim__/webhooks | | every delivery attempt, oldest first, and how many are pending |
| DELETE /__sim__/webhooks | | 204 (the record is cleared) |
| POST /__sim__/reset | | 204: no resources, deliveries or requests; outcomes and numbers as configured |
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .account import AccountBook
from .clock import Clock
from .dates import format_rfc2822
from .errors import TwilioError
from .outcomes import Outcome, Outcomes, outcome_from_dict
from .service import Service
from .store import Store
from .webhooks import Delivery, Webhooks

__all__ = ["PREFIX", "Controls", "control_response"]

PREFIX = "/__sim__/"


@dataclass
class Controls:
    clock: Clock
    service: Service
    store: Store
    accounts: AccountBook
    outcomes: Outcomes
    webhooks: Webhooks
    clear_requests: Callable[[], None]

    def clock_state(self) -> dict[str, Any]:
        now = self.clock.time()
        return {"now": format_rfc2822(now), "epoch": now, "paused": self.clock.frozen}

    def advance(self, seconds: float, *, timeout: float = 30.0) -> None:
        """Move the clock forward and return once every webhook due by then has been attempted."""
        self.clock.advance(seconds)
        self.webhooks.wait_idle(timeout)

    def receive_message(self, account_sid: str, from_: str, to: str, body: str = "",
                        media_urls: Sequence[str] = ()) -> dict[str, Any]:
        return self.service.receive_message(account_sid, from_, to, body, media_urls)

    def set_outcome(self, kind: str, to: str, outcome: Outcome | None) -> None:
        self.outcomes.set(kind, to, outcome)

    def deliveries(self) -> list[Delivery]:
        return self.webhooks.deliveries()

    def reset(self) -> None:
        self.webhooks.clear()
        self.store.clear()
        self.outcomes.reset()
        self.accounts.reset(self.clock.time())
        for account in self.accounts.all():
            self.service.verify.ensure_default_service(account.sid)
        self.clear_requests()


_MAP = Map(
    [
        Rule("/__sim__/clock", endpoint="clock", methods=["GET"]),
        Rule("/__sim__/clock/advance", endpoint="advance", methods=["POST"]),
        Rule("/__sim__/clock/pause", endpoint="pause", methods=["POST"]),
        Rule("/__sim__/clock/resume", endpoint="resume", methods=["POST"]),
        Rule("/__sim__/messages", endpoint="inbound", methods=["POST"]),
        Rule("/__sim__/outcomes", endpoint="outcomes", methods=["GET", "POST", "DELETE"]),
        Rule("/__sim__/webhooks", endpoint="webhooks", methods=["GET", "DELETE"]),
        Rule("/__sim__/reset", endpoint="reset", methods=["POST"]),
    ],
    merge_slashes=False,
)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json; charset=utf-8")


def _empty() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def _form_outcome(kind: str, form: Mapping[str, str]) -> Outcome:
    entry: dict[str, Any] = {}
    for field, key in (("Status", "status"), ("ErrorCode", "error_code"), ("Reject", "reject")):
        if form.get(field):
            entry[key] = form[field]
    if form.get("Machine"):
        entry["machine"] = form["Machine"].lower() in ("true", "1", "yes")
    try:
        return outcome_from_dict(kind, entry)
    except ValueError as error:
        raise TwilioError(20001, detail=str(error)) from None


def control_response(controls: Controls, request: Request, account_sid: str) -> Response:
    """Answer one control request made with ``account_sid``'s credentials (already checked)."""
    adapter = _MAP.bind_to_environ(request.environ)
    try:
        endpoint, _ = adapter.match()
    except MethodNotAllowed:
        raise TwilioError(20004, 405) from None
    except (NotFound, HTTPException):
        raise TwilioError(20404, 404, path=request.path) from None
    form = request.form
    if endpoint == "clock":
        return _json(controls.clock_state())
    if endpoint == "advance":
        try:
            seconds = float(form.get("Seconds", ""))
        except ValueError:
            raise TwilioError(20001, detail="Seconds is a number of seconds to move the clock forward") from None
        if seconds < 0 or seconds != seconds:
            raise TwilioError(20001, detail="the clock only moves forward")
        controls.advance(seconds)
        return _json(controls.clock_state())
    if endpoint == "pause":
        controls.clock.pause()
        return _json(controls.clock_state())
    if endpoint == "resume":
        controls.clock.resume()
        return _json(controls.clock_state())
    if endpoint == "inbound":
        message = controls.receive_message(
            account_sid, form.get("From", ""), form.get("To", ""), form.get("Body", ""), form.getlist("MediaUrl")
        )
        return _json(message, 201)
    if endpoint == "outcomes":
        if request.method == "GET":
            return _json(controls.outcomes.snapshot())
        source = form if request.method == "POST" else request.args
        kind, to = source.get("Kind", ""), source.get("To", "")
        if kind not in ("messages", "calls") or not to:
            raise TwilioError(20001, detail="Kind (messages or calls) and To are required")
        controls.set_outcome(kind, to, _form_outcome(kind, source) if request.method == "POST" else None)
        return _json(controls.outcomes.snapshot())
    if endpoint == "webhooks":
        if request.method == "DELETE":
            controls.webhooks.clear_deliveries()
            return _empty()
        deliveries = [d.to_dict() for d in controls.deliveries() if d.account_sid == account_sid]
        return _json({"deliveries": deliveries, "pending": len(controls.webhooks.pending())})
    controls.reset()
    return _empty()
