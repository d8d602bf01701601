"""The public names are pinned: adding or removing one is a deliberate change to this list."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import adapter

CORE_MODULES = [
    "spec", "validation", "serialize", "transport", "retry", "parse", "errors", "dispatcher", "async_transport",
    "async_dispatcher",
]


def test_package_all_is_pinned_and_sorted() -> None:
    assert adapter.__all__ == ["AsyncDispatcher", "Dispatcher", "TwilioError", "__version__"]
    assert adapter.__all__ == sorted(adapter.__all__)
    for name in adapter.__all__:
        assert hasattr(adapter, name)
    assert isinstance(adapter.__version__, str) and adapter.__version__.count(".") == 2


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_all_is_sorted_and_real(module: str) -> None:
    mod = importlib.import_module(f"adapter.client.{module}")
    names = mod.__all__
    assert names == sorted(names), f"adapter.client.{module}.__all__ is not sorted"
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(mod, name), f"adapter.client.{module}.__all__ names missing {name}"


def test_core_module_all_pinned() -> None:
    pinned = {
        "spec": ["ArgumentSpec", "OperationSpec", "ServiceSpec", "build_spec", "default_spec", "end_anchored", "load_spec",
                 "named_formats"],
        "validation": ["MAX_SUGGESTED_NAME", "OperationValidator", "shown_name", "suggestions", "unknown_operation"],
        "serialize": ["build_request", "wire_value"],
        "transport": ["Transport"],
        "retry": ["AttemptFailed", "Attempts", "Outcome", "RetryPolicy"],
        "parse": ["FreshJSON", "parse_response"],
        "errors": ["ERROR_STATUS", "ErrorType", "TwilioError"],
        "dispatcher": ["DEFAULT_BASE_URL", "Dispatcher", "DispatcherBase", "deadline"],
        "async_transport": ["AsyncTransport"],
        "async_dispatcher": ["AsyncDispatcher"],
    }
    assert {m: importlib.import_module(f"adapter.client.{m}").__all__ for m in CORE_MODULES} == pinned


def test_public_imports_keep_working() -> None:
    # The layout may move modules; these imports are the public promise.
    from adapter import Dispatcher, TwilioError
    from adapter.lua import LuaHost, register

    assert Dispatcher.__name__ == "Dispatcher" and issubclass(TwilioError, Exception)
    assert LuaHost.__name__ == "LuaHost" and callable(register)


def test_each_part_is_a_package() -> None:
    import adapter

    parts = sorted(p.name for p in Path(adapter.__file__).parent.iterdir() if (p / "__init__.py").is_file())
    assert parts == ["cli", "client", "lua", "simulator"]
    top = sorted(p.stem for p in Path(adapter.__file__).parent.glob("*.py"))
    assert top == ["__init__", "__main__", "_data"], "modules belong in a part's folder"
