"""``python -m adapter.simulator``: the simulator without the twilio-lua CLI around it."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
