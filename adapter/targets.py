"""Which Twilio a command talks to: the real one, a given base URL, or the embedded simulator."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator

from .dispatcher import DEFAULT_BASE_URL, Dispatcher

__all__ = ["open_target"]


@contextlib.contextmanager
def open_target(args: argparse.Namespace, **dispatcher_options: object) -> Iterator[Dispatcher]:
    """A Dispatcher for the command's target flags (``--live``, ``--base-url``, ``--account-sid``,
    ``--auth-token``, optional ``--state``). With neither a target nor credentials it starts the embedded
    simulator in-process for the duration of the block, so a fresh machine needs no account."""
    account_sid = getattr(args, "account_sid", None) or os.environ.get("TWILIO_ACCOUNT_SID")
    auth_token = getattr(args, "auth_token", None) or os.environ.get("TWILIO_AUTH_TOKEN")
    base_url = getattr(args, "base_url", None)
    live = getattr(args, "live", False)
    if live or base_url or (account_sid and auth_token):
        with Dispatcher(
            account_sid, auth_token, base_url=DEFAULT_BASE_URL if live else base_url, **dispatcher_options  # type: ignore[arg-type]
        ) as dispatcher:
            yield dispatcher
        return

    from .simulator import Simulator

    with Simulator(port=0, state_path=getattr(args, "state", None)) as sim:
        print(
            f"twilio-lua: no Twilio credentials given; using the embedded simulator at {sim.base_url}",
            file=sys.stderr,
        )
        with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, **dispatcher_options) as dispatcher:  # type: ignore[arg-type]
            yield dispatcher
