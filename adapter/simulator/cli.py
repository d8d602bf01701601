"""``twilio-lua simulate``: run the Twilio simulator in the foreground until Ctrl-C.

The host CLI owns the top-level parser; it calls ``add_arguments`` on its ``simulate`` subparser
and ``run`` with the parsed namespace.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import threading
from typing import TextIO

from ..cli.flags import ArgumentParser, non_negative_float, port, positive_float, probability
from .account import DEFAULT_CONFIG
from .scenario import load_scenario
from .server import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, TEST_CREDENTIALS_SID, TEST_CREDENTIALS_TOKEN, Simulator
from .state import StateError, add_state_arguments, describe, open_simulator

__all__ = ["add_arguments", "main", "run"]

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")


def _account_sid(value: str) -> str:
    if not _ACCOUNT_SID.match(value):
        raise argparse.ArgumentTypeError("an account SID is AC followed by 32 hex digits")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=port, default=8765, help="port to listen on, 0 for any free port (default 8765)")
    parser.add_argument("--account-sid", type=_account_sid, default=DEFAULT_ACCOUNT_SID,
                        help="account SID clients authenticate as (default: the built-in account)")
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN,
                        help="auth token for that account (default: the built-in token)")
    parser.add_argument("--scenario", metavar="FILE",
                        help="YAML/JSON file: what the account owns and how recipients' messages and calls end")
    parser.add_argument("--number", metavar="E164", action="append", default=[],
                        help="one more phone number the account owns (sms, mms, voice); repeatable")
    parser.add_argument("--short-code", metavar="DIGITS", action="append", default=[],
                        help="one more short code the account owns; repeatable")
    parser.add_argument("--sender-id", metavar="NAME", action="append", default=[],
                        help="one more alphanumeric sender ID the account owns; repeatable")
    parser.add_argument("--caller-id", metavar="E164", action="append", default=[],
                        help="one more verified caller ID for calls; repeatable")
    parser.add_argument("--remote-webhooks", action="store_true",
                        help="deliver webhooks to any host, not only loopback")
    add_state_arguments(parser)
    parser.add_argument("--latency", metavar="MS", type=non_negative_float, default=0,
                        help="delay every response by MS milliseconds")
    parser.add_argument("--rate-limit", metavar="N", type=positive_float, default=None,
                        help="answer 429 (code 20429) beyond N requests per second")
    parser.add_argument("--fail-rate", metavar="P", type=probability, default=0.0,
                        help="probability of a 503 (code 20503) per request")
    parser.add_argument("--drop-rate", metavar="P", type=probability, default=0.0,
                        help="probability of closing the connection without a response")
    parser.add_argument("--seed", metavar="N", type=int, default=None, help="seed for the random faults")


def _banner(sim: Simulator, out: TextIO, records: str) -> None:
    messages = f"{sim.base_url}/2010-04-01/Accounts/{sim.account_sid}/Messages.json"
    curl = " ".join(
        [
            "curl", "-u", shlex.quote(f"{sim.account_sid}:{sim.auth_token}"), "-X", "POST", shlex.quote(messages),
            "--data-urlencode", shlex.quote("To=+15558675310"),
            "--data-urlencode", shlex.quote("From=+15005550006"),
            "--data-urlencode", shlex.quote("Body=Hello from the simulator"),
        ]
    )
    print(f"Twilio simulator listening on {sim.base_url}", file=out)
    print(f"Account SID: {sim.account_sid}", file=out)
    print(f"Auth token:  {sim.auth_token}", file=out)
    print(f"Verify Service: {sim.verify_service_sid} (Lookup and Verify share this base URL)", file=out)
    if sim.test_credentials is not None:
        test_sid, test_token = sim.test_credentials
        print(f"Test credentials (like Twilio's: only creates, magic numbers): {test_sid} / {test_token}", file=out)
    owned = ", ".join(n.phone_number for n in sim.account_book.get(sim.account_sid).numbers())
    print(f"Owned numbers: {owned}", file=out)
    print(f"Control API: {sim.base_url}/__sim__/ (clock, messages, outcomes, webhooks, reset)", file=out)
    print(f"State:       {records} (--fresh starts over, --state :memory: keeps nothing)", file=out)
    print(f"Try: {curl}", file=out)
    print("Press Ctrl-C to stop.", file=out)
    out.flush()


def run(args: argparse.Namespace, *, stop: threading.Event | None = None, out: TextIO | None = None) -> int:
    """Serve until interrupted (or until ``stop`` is set); returns the exit status."""
    out = out or sys.stdout
    try:
        scenario = load_scenario(args.scenario) if args.scenario else None
        config = (scenario.config if scenario else DEFAULT_CONFIG).with_additions(
            tuple(args.number), tuple(args.short_code), tuple(args.sender_id), tuple(args.caller_id)
        )
    except ValueError as error:
        print(f"twilio-lua simulate: {error}", file=sys.stderr)
        return 2
    try:
        sim = open_simulator(
            args,
            host=args.host,
            port=args.port,
            accounts={args.account_sid: args.auth_token},
            latency_ms=args.latency,
            rate_limit=args.rate_limit,
            fail_rate=args.fail_rate,
            drop_rate=args.drop_rate,
            seed=args.seed,
            log_requests=True,
            config=config,
            outcomes=scenario.outcomes if scenario else None,
            test_credentials=(TEST_CREDENTIALS_SID, TEST_CREDENTIALS_TOKEN),
            remote_webhooks=args.remote_webhooks,
        )
    except StateError as error:
        print(f"twilio-lua simulate: {error}", file=sys.stderr)
        return 2
    try:
        sim.start()
    except OSError as error:
        sim.stop()
        print(f"twilio-lua simulate: cannot listen on {args.host}:{args.port}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    _banner(sim, out, describe(args))
    waiter = stop or threading.Event()
    try:
        # Event.wait with a timeout keeps the main thread responsive to Ctrl-C on every platform.
        while not waiter.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("Stopping the simulator.", file=out)
    finally:
        sim.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m adapter.simulator", description="Local Twilio REST API simulator")
    add_arguments(parser)
    return run(parser.parse_args(argv))
