"""Side-by-side benchmark: our adapter against Twilio's own SDK, a bare requests.Session and raw http.client.

    python bench/run.py            # the full run (< 2 minutes)
    python bench/run.py --quick    # fewer rounds, a CI smoke run (< 30 s)

Every contender talks to the same loopback server (``bench/server.py``), started in a separate process so
its CPU time is not charged to the client. The contenders are measured in interleaved rounds within this one
process (round 1: A, B, C, ...; round 2: A, B, C, ...) and each figure is the median over rounds of the
microseconds per call, so a slow patch of the machine hits everyone alike. Ratios are taken within the same
run. Nothing here asserts on time: the targets are printed as PASS/FAIL for people to read, and the exit
status is 0 either way (``--strict`` makes a FAIL exit 1).
"""

from __future__ import annotations

import argparse
import base64
import gc
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import server as canned  # noqa: E402

SID = canned.ACCOUNT_SID
TOKEN = canned.AUTH_TOKEN
PATH = canned.MESSAGES_PATH
FORM = {"To": "+15558675310", "From": "+15005550006", "Body": "Pump 3 overheated: 97C at station 12."}
AUTH = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode("ascii")

WORKLOADS = {
    "post": "postMessage (POST, 201 Message)",
    "page50": "listMessage, 50-item page",
    "page1000": "listMessage, 1000-item page",
}
CONTENDERS = {
    "raw": "http.client (floor)",
    "session": "requests.Session",
    "sdk": "twilio SDK",
    "dispatcher": "Dispatcher.call",
    "lua": "Lua via LuaHost",
    "lua_bridge": "Lua bridge alone (instant dispatcher)",
    "dispatcher_mem": "Dispatcher.call, answer from memory",
    "lua_mem": "Lua via LuaHost, answer from memory",
    "json": "json.loads(body) alone",
}
# Calls per timed block, per workload: a block lasts some tens of milliseconds.
BLOCK = {"post": 200, "page50": 40, "page1000": 4}


# --------------------------------------------------------------------------------------------------- server


class Server:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "server.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "PORT":
            self.close()
            raise SystemExit(f"bench server did not start: {line!r}")
        self.port = int(line[1])
        self.base_url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------------------------------------- contenders


def lua_host_class() -> Any:
    try:
        from adapter.lua import LuaHost
    except ImportError:
        return None
    return LuaHost


def page_size(workload: str) -> int:
    return 1000 if workload == "page1000" else 50


def make_raw(port: int, workload: str) -> Callable[[int], None]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {
        "User-Agent": "bench", "Accept": "application/json", "Accept-Encoding": "gzip, deflate",
        "Connection": "keep-alive", "Authorization": AUTH,
    }
    if workload == "post":
        method, target, body = "POST", PATH, urlencode(FORM).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        expect = 201
    else:
        method, target, body = "GET", f"{PATH}?PageSize={page_size(workload)}", None
        expect = 200

    def run(n: int) -> None:
        for _ in range(n):
            conn.request(method, target, body, headers)
            resp = conn.getresponse()
            resp.read()
        if resp.status != expect:
            raise RuntimeError(f"raw {workload}: HTTP {resp.status}")

    return run


def make_session(base_url: str, workload: str) -> Callable[[int], None]:
    import requests

    session = requests.Session()
    url = base_url + PATH
    auth = (SID, TOKEN)

    if workload == "post":
        def run(n: int) -> None:
            for _ in range(n):
                resp = session.post(url, data=FORM, auth=auth)
                _ = resp.content
            if resp.status_code != 201:
                raise RuntimeError(f"session post: HTTP {resp.status_code}")
    else:
        params = {"PageSize": page_size(workload)}

        def run(n: int) -> None:
            for _ in range(n):
                resp = session.get(url, params=params, auth=auth)
                _ = resp.content
            if resp.status_code != 200:
                raise RuntimeError(f"session {workload}: HTTP {resp.status_code}")

    return run


def make_sdk(base_url: str, workload: str) -> Callable[[int], None]:
    from twilio.rest import Client

    client = Client(SID, TOKEN)
    # Every Twilio domain builds its URLs from its base_url (twilio/base/domain.py, absolute_url).
    client.api.base_url = base_url
    messages = client.messages

    if workload == "post":
        def run(n: int) -> None:
            for _ in range(n):
                msg = messages.create(to=FORM["To"], from_=FORM["From"], body=FORM["Body"])
            if not msg.sid:
                raise RuntimeError("sdk post: no sid")
    else:
        size = page_size(workload)

        def run(n: int) -> None:
            for _ in range(n):
                items = list(messages.page(page_size=size))  # the page's records as MessageInstances
            if len(items) != size:
                raise RuntimeError(f"sdk {workload}: {len(items)} items")

    return run


def make_dispatcher(base_url: str, workload: str) -> Callable[[int], None]:
    from adapter import Dispatcher

    dispatcher = Dispatcher(SID, TOKEN, base_url=base_url)
    call = dispatcher.call
    if workload == "post":
        def run(n: int) -> None:
            for _ in range(n):
                out = call("postMessage", FORM)
            if not out or not out.get("sid"):
                raise RuntimeError(f"dispatcher post: {out!r:.200}")
    else:
        args = {"PageSize": page_size(workload)}

        def run(n: int) -> None:
            for _ in range(n):
                out = call("listMessage", args)
            if not out or len(out["messages"]) != args["PageSize"]:
                raise RuntimeError(f"dispatcher {workload}: wrong page")

    return run


LUA_POST = """
local n = %d
local out
for i = 1, n do
  out = Twilio.postMessage({To = "%s", From = "%s", Body = "%s"})
end
if out.error then error(tostring(out.error)) end
return out.sid
"""

LUA_PAGE = """
local n = %d
local page
for i = 1, n do
  page = Twilio.listMessage({PageSize = %d})
end
if page.error then error(tostring(page.error)) end
return #page.messages
"""


def make_lua(base_url: str, workload: str, dispatcher: Any = None) -> Callable[[int], None] | None:
    LuaHost = lua_host_class()
    if LuaHost is None:
        return None
    from adapter import Dispatcher

    # The benchmark loops N calls in one run: no per-run call quota.
    host = LuaHost(dispatcher or Dispatcher(SID, TOKEN, base_url=base_url), call_limit=None)
    scripts: dict[int, str] = {}

    def source(n: int) -> str:
        if n not in scripts:
            if workload == "post":
                scripts[n] = LUA_POST % (n, FORM["To"], FORM["From"], FORM["Body"])
            else:
                scripts[n] = LUA_PAGE % (n, page_size(workload))
        return scripts[n]

    def run(n: int) -> None:
        out = host.run(source(n))
        if workload == "post" and not (isinstance(out, str) and out.startswith("SM")):
            raise RuntimeError(f"lua post returned {out!r:.200}")
        if workload != "post" and out != page_size(workload):
            raise RuntimeError(f"lua {workload} returned {out!r:.200}")

    return run


class _InstantDispatcher:
    """The dispatcher a LuaHost sees, answering every call at once with the parsed canned body (arguments
    still validated): what is left of a Lua call is the bridge, conversions both ways, and Lua itself."""

    def __init__(self, real: Any, result: Any) -> None:
        self._real = real
        self._result = result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def call(self, operation: str, args: Any = None, /, **kwargs: Any) -> Any:
        self._real._validators[operation].validate(args)
        return self._result


def make_lua_bridge(base_url: str, workload: str) -> Callable[[int], None] | None:
    LuaHost = lua_host_class()
    if LuaHost is None:
        return None
    from adapter import Dispatcher

    result = json.loads(canned.body(canned.message(0) if workload == "post" else canned.page(page_size(workload))))
    real = Dispatcher(SID, TOKEN, base_url=base_url)
    if not hasattr(real, "_validators"):
        return None
    run = make_lua(base_url, workload, dispatcher=_InstantDispatcher(real, result))
    return run


def _answer_from_memory(base_url: str, workload: str) -> Any:
    """A real Dispatcher whose transport answers at once with the canned response (no HTTP, no socket):
    validation, request building, json.loads and the Lua bridge run exactly as against the server."""
    from adapter import Dispatcher

    dispatcher = Dispatcher(SID, TOKEN, base_url=base_url)
    transport = getattr(dispatcher, "_transport", None)
    if transport is None or not callable(getattr(transport, "send", None)):
        return None
    if workload == "post":
        status, body = 201, canned.body(canned.message(0))
    else:
        status, body = 200, canned.body(canned.page(page_size(workload)))
    transport.send = lambda request, authorization, **_: {"status": status, "reason": "", "headers": {}, "body": body,
                                                     "attempts": 1}
    return dispatcher


def make_dispatcher_mem(base_url: str, workload: str) -> Callable[[int], None] | None:
    dispatcher = _answer_from_memory(base_url, workload)
    if dispatcher is None:
        return None
    call = dispatcher.call
    args = FORM if workload == "post" else {"PageSize": page_size(workload)}
    operation = "postMessage" if workload == "post" else "listMessage"

    def run(n: int) -> None:
        for _ in range(n):
            out = call(operation, args)
        if not out:
            raise RuntimeError(f"dispatcher from memory {workload}: {out!r:.200}")

    return run


def make_lua_mem(base_url: str, workload: str) -> Callable[[int], None] | None:
    if lua_host_class() is None:
        return None
    dispatcher = _answer_from_memory(base_url, workload)
    return None if dispatcher is None else make_lua(base_url, workload, dispatcher=dispatcher)


def make_json(workload: str) -> Callable[[int], None] | None:
    if workload != "page1000":
        return None
    body = canned.body(canned.page(1000))
    loads = json.loads

    def run(n: int) -> None:
        for _ in range(n):
            loads(body)

    return run


def build(server: Server, workload: str) -> dict[str, Callable[[int], None] | None]:
    return {
        "raw": make_raw(server.port, workload),
        "session": make_session(server.base_url, workload),
        "sdk": make_sdk(server.base_url, workload),
        "dispatcher": make_dispatcher(server.base_url, workload),
        "lua": make_lua(server.base_url, workload),
        "lua_bridge": make_lua_bridge(server.base_url, workload),
        "dispatcher_mem": make_dispatcher_mem(server.base_url, workload),
        "lua_mem": make_lua_mem(server.base_url, workload),
        "json": make_json(workload),
    }


# --------------------------------------------------------------------------------------------- measuring


def measure(server: Server, rounds: int) -> dict[tuple[str, str], float | None]:
    """Microseconds per call, median over interleaved rounds, for every (workload, contender)."""
    runners = {(w, c): fn for w in WORKLOADS for c, fn in build(server, w).items()}
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in runners}
    live = {key: fn for key, fn in runners.items() if fn is not None}
    for fn_key, fn in live.items():  # warm-up: connections opened, code paths and caches hot
        fn(max(1, BLOCK[fn_key[0]] // 4))
    for _ in range(rounds):
        for key, fn in live.items():
            n = BLOCK[key[0]]
            gc.collect()
            started = time.perf_counter_ns()
            fn(n)
            samples[key].append((time.perf_counter_ns() - started) / n / 1000)
    return {key: statistics.median(values) if values else None for key, values in samples.items()}


COLD_OURS = """
import sys
from adapter import Dispatcher
out = Dispatcher(sys.argv[1], sys.argv[2], base_url=sys.argv[3]).call(
    "postMessage", {"To": "+15558675310", "From": "+15005550006", "Body": "cold"})
assert out["sid"].startswith("SM"), out
"""

COLD_SDK = """
import sys
from twilio.rest import Client
client = Client(sys.argv[1], sys.argv[2])
client.api.base_url = sys.argv[3]
msg = client.messages.create(to="+15558675310", from_="+15005550006", body="cold")
assert msg.sid.startswith("SM"), msg.sid
"""


def cold_start(server: Server, runs: int) -> dict[str, float]:
    """Milliseconds for a fresh interpreter to start, import, build a client and make its first call."""
    scripts = {"dispatcher": COLD_OURS, "sdk": COLD_SDK}
    samples: dict[str, list[float]] = {k: [] for k in scripts}
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="")
    for i in range(runs + 1):
        for key, code in scripts.items():
            started = time.perf_counter_ns()
            subprocess.run(
                [sys.executable, "-c", code, SID, TOKEN, server.base_url], check=True, env=env,
                stdin=subprocess.DEVNULL,
            )
            if i:  # the first run of each writes bytecode caches and fills the page cache
                samples[key].append((time.perf_counter_ns() - started) / 1e6)
    return {key: statistics.median(values) for key, values in samples.items()}


# ---------------------------------------------------------------------------------------------- reporting


def fmt(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def table(results: dict[tuple[str, str], float | None], cold: dict[str, float]) -> str:
    lines = [
        "| workload | contender | µs/call | × SDK | × requests.Session |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for workload, title in WORKLOADS.items():
        sdk = results.get((workload, "sdk"))
        session = results.get((workload, "session"))
        first = True
        for contender, name in CONTENDERS.items():
            if (workload, contender) not in results or (contender == "json" and workload != "page1000"):
                continue
            value = results[(workload, contender)]
            lines.append(
                f"| {title if first else ''} | {name} | {fmt(value)} | {fmt(ratio(value, sdk), 2)} | "
                f"{fmt(ratio(value, session), 2)} |"
            )
            first = False
    lines.append(
        f"| cold start: new process, import, first postMessage (ms) | ours (Dispatcher) | {fmt(cold['dispatcher'])} ms "
        f"| {fmt(ratio(cold['dispatcher'], cold['sdk']), 2)} | |"
    )
    lines.append(f"| | twilio SDK | {fmt(cold['sdk'])} ms | 1.00 | |")
    return "\n".join(lines)


def breakdown(results: dict[tuple[str, str], float | None]) -> list[str]:
    """What a Lua call adds to Dispatcher.call, per workload (informational, no target)."""
    lines = []
    json_loads = results.get(("page1000", "json"))
    for workload, title in WORKLOADS.items():
        lua, dispatcher = results.get((workload, "lua")), results.get((workload, "dispatcher"))
        bridge = results.get((workload, "lua_bridge"))
        if lua is None or dispatcher is None:
            continue
        line = f"- {title}: a Lua call costs {fmt(lua - dispatcher)} µs more than Dispatcher.call"
        if bridge is not None:
            line += f"; the bridge alone (instant dispatcher) takes {fmt(bridge)} µs"
            if workload == "page1000" and json_loads:
                line += f" = {bridge / json_loads:.2f} x json.loads of the body"
        d_mem, l_mem = results.get((workload, "dispatcher_mem")), results.get((workload, "lua_mem"))
        if d_mem is not None and l_mem is not None:
            line += (f"; answered from memory (no HTTP), Dispatcher.call takes {fmt(d_mem)} µs and Lua "
                     f"{fmt(l_mem)} µs: the Lua side adds {fmt(l_mem - d_mem)} µs")
            if workload == "page1000" and json_loads:
                line += (f" = {(l_mem - d_mem) / json_loads:.2f} x json.loads of the body (the page into Lua "
                         f"tables), and Lua from memory is {l_mem / json_loads:.2f} x json.loads")
        lines.append(line)
    return lines


def targets(results: dict[tuple[str, str], float | None], cold: dict[str, float]) -> list[tuple[str, float | None, float, str]]:
    r = results
    return [
        ("Dispatcher.call postMessage <= 0.80 x twilio SDK",
         ratio(r[("post", "dispatcher")], r[("post", "sdk")]), 0.80, "x SDK"),
        ("Dispatcher.call postMessage <= 1.05 x bare requests.Session",
         ratio(r[("post", "dispatcher")], r[("post", "session")]), 1.05, "x session"),
        ("Lua Twilio.postMessage <= 1.10 x Dispatcher.call",
         ratio(r[("post", "lua")], r[("post", "dispatcher")]), 1.10, "x Dispatcher.call"),
        ("listMessage 1000-item page into Lua tables <= 2 x json.loads of the body",
         ratio(r[("page1000", "lua")], r[("page1000", "json")]), 2.0, "x json.loads"),
        ("cold start <= twilio SDK's", ratio(cold["dispatcher"], cold["sdk"]), 1.0, "x SDK"),
    ]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import requests
    import twilio

    try:
        import lupa

        lupa_version = getattr(lupa, "__version__", "?")
    except ImportError:
        lupa_version = "absent"
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, requests {requests.__version__}, twilio {twilio.__version__}, "
        f"lupa {lupa_version}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a smoke run for CI (< 30 s)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 25, 6 with --quick)")
    parser.add_argument("--cold-runs", type=int, help="cold starts of each (default 12, 3 with --quick)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target FAILs")
    args = parser.parse_args(argv)
    rounds = args.rounds or (6 if args.quick else 25)
    cold_runs = args.cold_runs or (3 if args.quick else 12)

    began = time.monotonic()
    print(f"machine: {machine()}")
    if lua_host_class() is None:
        print("adapter.lua.LuaHost is not available: the Lua rows show n/a")
    server = Server()
    try:
        results = measure(server, rounds)
        cold = cold_start(server, cold_runs)
    finally:
        server.close()
    print(f"{rounds} interleaved rounds, {cold_runs} cold starts each, {time.monotonic() - began:.0f} s\n")
    print(table(results, cold))
    print()
    extra = breakdown(results)
    if extra:
        print("Where a Lua call's time goes:")
        print("\n".join(extra))
        print()
    failed = 0
    for name, value, limit, unit in targets(results, cold):
        if value is None:
            verdict = "n/a "
        elif value <= limit:
            verdict = "PASS"
        else:
            verdict = "FAIL"
            failed += 1
        print(f"{verdict}  {name}: {fmt(value, 2)} {unit}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": machine(),
            "rounds": rounds,
            "us_per_call": {f"{w}/{c}": v for (w, c), v in results.items()},
            "cold_start_ms": cold,
        }, indent=2))
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
