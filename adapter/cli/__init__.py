"""The ``twilio-lua`` command line."""

from .main import main, parse_key_values

__all__ = ["main", "parse_key_values"]
