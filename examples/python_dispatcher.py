"""The same operations from Python: the Dispatcher that the Lua table is built on, then a Lua script.

    python examples/python_dispatcher.py

Runs against the embedded simulator, so it needs no credentials and sends nothing.
"""

from __future__ import annotations

import json
import sys

from adapter import Dispatcher, TwilioError
from adapter.lua import LuaHost
from adapter.simulator import Simulator


def main() -> int:
    with Simulator() as sim, Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url) as twilio:
        # Every operation of the spec is a method (and `twilio.call("postMessage", {...})` does the same).
        message = twilio.postMessage(From="+15005550006", To="+15558675310", Body="Pump 3 overheated")
        assert message is not None
        print("sent", message["sid"], message["status"])

        # Errors are TwilioError with the same fields a Lua script sees in its error object.
        try:
            twilio.postMessage(From="+15005550006", To="not a number", Body="x")
        except TwilioError as exc:
            print("refused:", exc.to_dict()["type"], exc.error)

        # Every item across pages, one page in memory at a time.
        count = sum(1 for _ in twilio.items("listMessage", {"PageSize": 20}))
        print("messages:", count)

        # The same dispatcher behind a sandbox for untrusted Lua scripts.
        host = LuaHost(twilio)
        result = host.run(
            """
            local out, err = Twilio.getMessage{MessageSid = sid}
            if err then return {error = err.error} end
            return {sid = out.sid, body = out.body}
            """,
            globals={"sid": message["sid"]},
        )
        print("from Lua:", json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
