"""Which Twilio a command talks to: api.twilio.com, a given base URL, or the embedded simulator.

One rule for every command: ``--live`` means api.twilio.com, ``--base-url`` means that server, and without
either the calls go to a simulator started in-process. Credentials found in the environment never make a
command go live by themselves, so trying an example cannot send a real, billed message by accident.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from ..client.dispatcher import Dispatcher

__all__ = ["TargetError", "add_target_arguments", "open_target"]


class TargetError(Exception):
    """The flags do not name a usable target; the message is one line for the user."""


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--live", action="store_true", help="call api.twilio.com (needs credentials)")
    parser.add_argument("--base-url", metavar="URL", help="a Twilio-compatible API, e.g. a running simulator")
    parser.add_argument("--account-sid", metavar="SID", help="default: $TWILIO_ACCOUNT_SID")
    parser.add_argument("--auth-token", metavar="TOKEN", help="default: $TWILIO_AUTH_TOKEN")
    parser.add_argument("--state", metavar="PATH", help="where the embedded simulator keeps its records")


@contextlib.contextmanager
def open_target(
    args: argparse.Namespace, *, environ: Mapping[str, str] | None = None, notices: TextIO | None = None,
    **dispatcher_options: Any,
) -> Iterator[Dispatcher]:
    """A Dispatcher for the command's target flags, open for the duration of the block."""
    env = os.environ if environ is None else environ
    flag_sid = getattr(args, "account_sid", None)
    flag_token = getattr(args, "auth_token", None)
    account_sid = flag_sid or env.get("TWILIO_ACCOUNT_SID") or None
    auth_token = flag_token or env.get("TWILIO_AUTH_TOKEN") or None
    base_url = getattr(args, "base_url", None)
    live = bool(getattr(args, "live", False))
    if live and base_url:
        raise TargetError("--live and --base-url cannot be used together")
    if live and not (account_sid and auth_token):
        raise TargetError(
            "--live needs credentials: --account-sid/--auth-token or TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN"
        )
    if (flag_sid or flag_token) and not (live or base_url):
        raise TargetError("credentials were given without a target: add --live for api.twilio.com, or --base-url")

    if live or base_url:
        if base_url and not (account_sid and auth_token):
            # A bare --base-url is most likely a simulator started with `twilio-lua simulate`.
            from ..simulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN

            account_sid, auth_token = TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
            _notice(notices, f"no credentials given; using the simulator's built-in account for {base_url}")
        # --live passes no base URL: each operation goes to its own Twilio host (api, lookups, verify).
        with Dispatcher(account_sid, auth_token, base_url=base_url, environ=env, **dispatcher_options) as dispatcher:
            yield dispatcher
        return

    from ..simulator import Simulator

    state = getattr(args, "state", None)
    with Simulator(port=0, state_path=state) as sim:
        where = f" (state in {state})" if state else ""
        if account_sid and auth_token:
            _notice(notices, f"TWILIO_* credentials are set but --live was not given; "
                             f"running against the embedded simulator{where}")
        else:
            _notice(notices, f"no Twilio credentials set; running against the embedded simulator{where}")
        with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={},
                        **dispatcher_options) as dispatcher:
            yield dispatcher


def _notice(stream: TextIO | None, text: str) -> None:
    if stream is not None:
        print(f"twilio-lua: {text}", file=stream, flush=True)
