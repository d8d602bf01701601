"""The compiled (pickled) form of the packaged spec: used when the YAML is unchanged, rebuilt when it
changes, skipped where the cache directory is read-only, never written inside the package, and always equal
to the spec built from the YAML."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from adapter.client import spec as spec_module
from adapter.client.spec import _SPEC_FILE, _compiled_spec, default_spec, load_spec


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    from adapter._data import data_directory

    (tmp_path / "spec").mkdir()
    for source in data_directory("specs").glob("*.yaml"):  # the main file and the ones it includes
        shutil.copy(source, tmp_path / "spec" / source.name)
    return tmp_path / "spec"


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def cache_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.pickle")) if directory.is_dir() else []


def test_the_packaged_spec_equals_the_one_built_from_yaml() -> None:
    assert default_spec() == load_spec()


def test_written_once_then_read_without_yaml(
    spec_dir: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _compiled_spec(str(spec_dir), str(cache_dir))
    assert first == load_spec(spec_dir / _SPEC_FILE)
    assert len(cache_files(cache_dir)) == 1

    def no_yaml(text: str) -> None:
        raise AssertionError("the cached form should have been used")

    monkeypatch.setattr(spec_module, "_parse_yaml", no_yaml)
    assert _compiled_spec(str(spec_dir), str(cache_dir)) == first


def test_an_edited_yaml_is_rebuilt(spec_dir: Path, cache_dir: Path) -> None:
    _compiled_spec(str(spec_dir), str(cache_dir))
    path = spec_dir / _SPEC_FILE
    text = path.read_text(encoding="utf-8")
    old = "summary: Send an SMS, MMS or WhatsApp message"
    assert old in text
    stat = path.stat()
    path.write_text(text.replace(old, "summary: Send a message (edited)"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old mtime
    assert _compiled_spec(str(spec_dir), str(cache_dir)).operations["postMessage"].summary == "Send a message (edited)"


def test_an_edited_included_file_is_rebuilt(spec_dir: Path, cache_dir: Path) -> None:
    _compiled_spec(str(spec_dir), str(cache_dir))
    path = spec_dir / "twilio_lookups_v2.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("https://lookups.twilio.com", "https://lookups.example"),
                    encoding="utf-8")
    assert _compiled_spec(str(spec_dir), str(cache_dir)).operations["lookupPhoneNumber"].server == "https://lookups.example"


def test_a_corrupt_cache_is_rebuilt(spec_dir: Path, cache_dir: Path) -> None:
    _compiled_spec(str(spec_dir), str(cache_dir))
    (cache,) = cache_files(cache_dir)
    data = cache.read_bytes()
    cache.write_bytes(data[: len(data) // 2])
    assert _compiled_spec(str(spec_dir), str(cache_dir)) == load_spec(spec_dir / _SPEC_FILE)


def test_a_read_only_directory_gets_no_cache(tmp_path: Path) -> None:
    # Root writes through a 0o555 directory, so as root (CI) the check runs in a child that drops to nobody.
    base = Path(tempfile.mkdtemp(prefix="spec-cache-"))
    try:
        base.chmod(0o755)
        spec_dir = base / "spec"
        spec_dir.mkdir(mode=0o755)
        from adapter._data import data_directory

        for source in data_directory("specs").glob("*.yaml"):
            shutil.copy(source, spec_dir / source.name)
            (spec_dir / source.name).chmod(0o644)
        cache_dir = base / "cache"
        cache_dir.mkdir()
        cache_dir.chmod(0o555)
        expected = load_spec(spec_dir / _SPEC_FILE)
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through its exit status
            try:
                if as_root:
                    # The cache key hashes spec.py's own source; the checkout may sit in a directory nobody
                    # cannot enter (a 0700 mktemp dir), so this child reads a readable copy instead.
                    source = base / "spec_module.py"
                    shutil.copy(spec_module.__file__, source)
                    source.chmod(0o644)
                    spec_module.__file__ = str(source)
                    os.setgid(65534)
                    os.setuid(65534)
                ok = _compiled_spec(str(spec_dir), str(cache_dir)) == expected
                os._exit(0 if ok else 1)
            except BaseException:  # noqa: BLE001 - a forked child must never return into pytest
                os._exit(2)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert cache_files(cache_dir) == []
    finally:
        (base / "cache").chmod(0o755) if (base / "cache").exists() else None
        shutil.rmtree(base, ignore_errors=True)


def test_an_unwritable_cache_path_is_skipped(spec_dir: Path, cache_dir: Path) -> None:
    cache_dir.write_text("a file where the directory would be")
    assert _compiled_spec(str(spec_dir), str(cache_dir)) == load_spec(spec_dir / _SPEC_FILE)
    assert not list(cache_dir.parent.glob("**/*.tmp"))


def test_nothing_is_written_inside_the_package(spec_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    # pip leaves files it did not install; a leftover adapter/ directory would shadow the next install.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    before = sorted(p.relative_to(spec_dir) for p in spec_dir.rglob("*"))
    assert _compiled_spec(str(spec_dir)) == load_spec(spec_dir / _SPEC_FILE)
    assert sorted(p.relative_to(spec_dir) for p in spec_dir.rglob("*")) == before
    assert len(cache_files(tmp_path / "xdg" / "twilio-lua-adapter")) == 1
