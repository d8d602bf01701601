"""Cost of Twilio.postMessage from Lua relative to Dispatcher.call, against the same local simulator.

    python bench/lua_call_cost.py [N]

Prints per-call times and the ratios (informational, no target; bench/run.py holds the targets).
"""

from __future__ import annotations

import sys
import time

from adapter import Dispatcher
from adapter.lua import LuaHost
from adapter.simulator import Simulator

ARGS = {"From": "+15005550006", "To": "+15558675310", "Body": "Pump 3 overheated"}
LUA_LOOP = """
for i = 1, n do
  local m, err = Twilio.postMessage{From = "+15005550006", To = "+15558675310", Body = "Pump 3 overheated"}
  if err then error(err.error) end
end
"""
LUA_ONE = 'return Twilio.postMessage{From = "+15005550006", To = "+15558675310", Body = "Pump 3 overheated"}.sid'


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main(n: int = 300) -> None:
    with Simulator() as sim, Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url) as d:
        d.call("postMessage", ARGS)  # warm the connection pool
        hosts = {engine: LuaHost(d, engine=engine, call_limit=None) for engine in ("luajit21", "lua51")}
        # Interleaved rounds, best of each: the machine may be busy with other work.
        timings: dict[str, float] = {}
        for _ in range(5):
            samples = {"python": best(lambda: [d.call("postMessage", ARGS) for _ in range(n)], 1) / n}
            for engine, host in hosts.items():
                samples[f"{engine} loop"] = best(lambda host=host: host.run(LUA_LOOP, globals={"n": n}), 1) / n
                samples[f"{engine} run"] = best(lambda host=host: [host.run(LUA_ONE) for _ in range(n)], 1) / n
            for key, value in samples.items():
                timings[key] = min(value, timings.get(key, value))
        python = timings["python"]
        print(f"Dispatcher.call                  {python * 1e6:8.1f} us/call")
        for engine in hosts:
            loop, runs = timings[f"{engine} loop"], timings[f"{engine} run"]
            print(f"{engine}: in one script loop    {loop * 1e6:8.1f} us/call  ratio {loop / python:.3f}")
            print(f"{engine}: one run per call      {runs * 1e6:8.1f} us/call  ratio {runs / python:.3f}")
        # The bridge alone: the dispatcher answers from memory, so only Lua, conversion and validation count.
        canned = d.call("postMessage", ARGS)
        validator = d._validators["postMessage"]
        d.call = lambda op, args=None, /, **kw: (validator.validate(args), canned)[1]  # type: ignore[method-assign]
        bare = best(lambda: [d.call("postMessage", ARGS) for _ in range(n * 10)]) / (n * 10)
        print(f"validate + canned result (Python) {bare * 1e6:8.1f} us/call")
        for engine in ("luajit21", "lua51"):
            host = LuaHost(d, engine=engine, call_limit=None)
            loop = best(lambda host=host: host.run(LUA_LOOP, globals={"n": n * 10})) / (n * 10)
            print(f"{engine}: same from Lua           {loop * 1e6:8.1f} us/call  (+{(loop - bare) * 1e6:.1f} us)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
