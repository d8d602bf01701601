"""Which Twilio a command talks to: api.twilio.com, a given base URL, or the embedded simulator.

One rule for every command: ``--live`` means api.twilio.com, ``--base-url`` means that server, and without
either the calls go to a simulator started in-process, on the state file shared by ``call``, ``run`` and
``simulate`` (:mod:`adapter.simulator.state`). Credentials found in the environment never make a command
go live by themselves, so trying an example cannot send a real, billed message by accident.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from ..client.dispatcher import Dispatcher
from ..client.errors import TwilioError
from ..simulator.state import StateError, add_state_arguments, describe, open_simulator, state_path
from .keystore import Keystore

__all__ = ["TargetError", "add_target_arguments", "open_keystore", "open_target"]


class TargetError(Exception):
    """The flags do not name a usable target; the message is one line for the user."""


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_argument_group("target (default: the embedded simulator)")
    target.add_argument("--live", action="store_true", help="call api.twilio.com (needs credentials)")
    target.add_argument("--base-url", metavar="URL", help="a Twilio-compatible API, e.g. a running simulator")
    target.add_argument("--account-sid", metavar="SID", help="default: $TWILIO_ACCOUNT_SID")
    target.add_argument("--auth-token", metavar="TOKEN", help="default: $TWILIO_AUTH_TOKEN")
    target.add_argument("--api-key", metavar="SK...",
                        help="an API key instead of the auth token; default: $TWILIO_API_KEY")
    target.add_argument("--api-secret", metavar="SECRET", help="the API key's secret; default: $TWILIO_API_SECRET")
    add_state_arguments(parser.add_argument_group("embedded simulator"))


def _credentials(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
    """The account SID and the Dispatcher's credential arguments: flags first, then the environment. An
    auth token and an API key are alternatives; given both in the environment, the API key is used (as
    the Dispatcher does)."""
    token, key, secret = (getattr(args, name, None) for name in ("auth_token", "api_key", "api_secret"))
    if token and (key or secret):
        raise TargetError("give --auth-token or --api-key/--api-secret, not both")
    account_sid = getattr(args, "account_sid", None) or env.get("TWILIO_ACCOUNT_SID") or None
    if not (token or key or secret):
        env_key, env_secret = env.get("TWILIO_API_KEY") or None, env.get("TWILIO_API_SECRET") or None
        if env_key or env_secret:
            key, secret = env_key, env_secret
        else:
            token = env.get("TWILIO_AUTH_TOKEN") or None
    elif key or secret:
        key = key or env.get("TWILIO_API_KEY") or None
        secret = secret or env.get("TWILIO_API_SECRET") or None
    if token:
        return account_sid, {"auth_token": token}
    if key and not secret:
        raise TargetError("an API key needs its secret: --api-secret or TWILIO_API_SECRET")
    if secret and not key:
        raise TargetError("an API secret needs its key: --api-key or TWILIO_API_KEY")
    return account_sid, ({"api_key": key, "api_secret": secret} if key and secret else {})


@contextlib.contextmanager
def open_target(
    args: argparse.Namespace, *, environ: Mapping[str, str] | None = None, notices: TextIO | None = None,
    **dispatcher_options: Any,
) -> Iterator[Dispatcher]:
    """A Dispatcher for the command's target flags, open for the duration of the block."""
    env = os.environ if environ is None else environ
    flags_given = any(getattr(args, name, None) for name in ("account_sid", "auth_token", "api_key", "api_secret"))
    base_url = getattr(args, "base_url", None)
    live = bool(getattr(args, "live", False))
    if live and base_url:
        raise TargetError("--live and --base-url cannot be used together")
    if flags_given and not (live or base_url):
        raise TargetError("credentials were given without a target: add --live for api.twilio.com, or --base-url")
    if (live or base_url) and (getattr(args, "fresh", False) or getattr(args, "empty", False)):
        raise TargetError("--fresh and --empty are for the embedded simulator, not with --live or --base-url")

    if live or base_url:
        account_sid, credentials = _credentials(args, env)
        if live and not account_sid:
            raise TargetError("--live needs the account SID: --account-sid or TWILIO_ACCOUNT_SID")
        if live and not credentials:
            raise TargetError(
                "--live needs credentials: --auth-token or TWILIO_AUTH_TOKEN, "
                "or an API key: --api-key/--api-secret or TWILIO_API_KEY/TWILIO_API_SECRET"
            )
        if base_url and not (account_sid and credentials):
            # A bare --base-url is most likely a simulator started with `twilio-lua simulate`.
            from ..simulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN

            account_sid, credentials = TEST_ACCOUNT_SID, {"auth_token": TEST_AUTH_TOKEN}
            _notice(notices, f"no credentials given; using the simulator's built-in account for {base_url}")
        # --live passes no base URL: each operation goes to its own Twilio host (api, lookups, verify). The
        # environment still supplies TWILIO_EDGE / TWILIO_REGION; credentials are explicit by now.
        with _dispatcher(account_sid, base_url=base_url, environ=env, **credentials,
                         **dispatcher_options) as dispatcher:
            yield dispatcher
        return

    try:
        sim = open_simulator(args, port=0)
    except StateError as exc:
        raise TargetError(str(exc)) from None
    with sim:
        where = describe(args)
        has_sid = env.get("TWILIO_ACCOUNT_SID")
        has_secret = env.get("TWILIO_AUTH_TOKEN") or env.get("TWILIO_API_KEY")
        if has_sid and has_secret:
            _notice(notices, f"TWILIO_* credentials are set but --live was not given; "
                             f"running against the embedded simulator ({where})")
        else:
            _notice(notices, f"no Twilio credentials set; running against the embedded simulator ({where})")
        with _dispatcher(sim.account_sid, auth_token=sim.auth_token, base_url=sim.base_url, environ={},
                         **dispatcher_options) as dispatcher:
            yield dispatcher


def open_keystore(args: argparse.Namespace) -> Keystore:
    """The Keystore service on the command's state file (the simulator's, whatever the target)."""
    try:
        return Keystore(state_path(args))
    except StateError as exc:
        raise TargetError(str(exc)) from None
    except sqlite3.Error as exc:
        where = getattr(args, "state", None) or "the state file"
        raise TargetError(f"cannot use {where} for the Keystore: {exc}") from None


def _dispatcher(account_sid: str | None, **options: Any) -> Dispatcher:
    try:
        return Dispatcher(account_sid, **options)
    except TwilioError as exc:  # a malformed SID or key, a bad base URL: the user's flags, one line
        raise TargetError(exc.error) from None


def _notice(stream: TextIO | None, text: str) -> None:
    if stream is not None:
        print(f"twilio-lua: {text}", file=stream, flush=True)
