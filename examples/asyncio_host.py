"""An asyncio host running many Lua scripts at once: an alert for each of 200 pumps, every script sending one
SMS, without blocking the event loop; then the same scripts isolated in a pool of worker processes.

    python examples/asyncio_host.py

Runs against the embedded simulator (with 50 ms of latency per request, like a remote API), so it needs no
credentials and sends nothing.
"""

from __future__ import annotations

import asyncio
import sys
import time

from adapter import AsyncDispatcher
from adapter.lua import LuaHost, LuaScriptError, ScriptPool
from adapter.simulator import Simulator

ALERT = """
local out, err = Twilio.postMessage{From = "+15005550006", To = "+15558675310",
                                    Body = "Pump " .. pump .. " overheated: " .. celsius .. "C"}
if err then return {pump = pump, error = err.error} end
return {pump = pump, sid = out.sid}
"""


async def heartbeat(stop: asyncio.Event) -> int:
    """Counts loop turns while the scripts run: the loop stays free for the host's own work."""
    beats = 0
    while not stop.is_set():
        beats += 1
        await asyncio.sleep(0.01)
    return beats


async def main() -> int:
    with Simulator(latency_ms=50) as sim:
        async with AsyncDispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url) as twilio:
            # One LuaHost serves every run: each script waits on its own Twilio call, not on the others.
            host = LuaHost(twilio)
            stop = asyncio.Event()
            beat = asyncio.ensure_future(heartbeat(stop))
            started = time.perf_counter()
            runs = await asyncio.gather(
                *(host.execute_async(ALERT, name=f"pump{n}.lua", globals={"pump": n, "celsius": 90 + n % 10})
                  for n in range(200)),
                return_exceptions=True,
            )
            elapsed = time.perf_counter() - started
            stop.set()
            sent = [r.value for r in runs if not isinstance(r, BaseException) and "sid" in r.value]
            print(f"in-process: {len(sent)} alerts sent in {elapsed:.2f} s; the loop beat {await beat} times meanwhile")
            host.close()

            # Untrusted scripts: worker processes that hold no credentials; a crash stays in its worker.
            async with ScriptPool(twilio, processes=2) as pool:
                runs = await asyncio.gather(
                    *(pool.execute(ALERT, globals={"pump": n, "celsius": 95}) for n in range(20)),
                    return_exceptions=True,
                )
                pooled = [r.value for r in runs if not isinstance(r, BaseException) and "sid" in r.value]
                print(f"pool: {len(pooled)} alerts sent from workers {pool.pids} (network: {', '.join(pool.network)})")
                try:
                    await pool.execute("while true do end", name="runaway.lua")
                except LuaScriptError as exc:
                    print(f"runaway.lua stopped: {exc.kind}")
    return 0 if len(sent) == 200 and len(pooled) == 20 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
