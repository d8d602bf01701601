"""A time-boxed fuzz job for LuaHost: ``python -m tests.fuzz --seconds 60`` (see __main__)."""
