"""Broken cache and state files, broken disks: no crash, a clear status, no user data lost.

Every case starts from a good state (a cache of tests/data/mini-api.json fetched from a
real loopback upstream, a stored default in defaults.json, and a hand-written config.toml),
breaks one thing, starts a fresh `Registry` over it and talks to it only through the SDK's
in-memory MCP client: the tools must answer, `models://status` (or the reply of the write
that failed) must say what is wrong, and the files the user wrote must survive: the config
is never modified, a corrupt defaults.json is moved aside rather than deleted, and a failed
set_default leaves the previous defaults.json as it was.

Cases: api.json, api.meta.json, api.index.json and defaults.json that are empty, truncated,
garbage or a directory; a read-only cache and state directory; a full disk under each.
Root ignores chmod, so as root a read-only directory is a read-only bind mount (EROFS)
in a child process under `unshare -rm`; a full disk is a 256 KiB tmpfs mounted the same
way and filled to the last byte, and also, always in process, an ENOSPC raised by fsync
for files in that directory (the late failure of a delayed-allocation filesystem). Each
case records one row of docs/reliability.md's disk-faults table.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from mcp.client import Client

from models_registry.mcp_server import build_server
from models_registry.preferences import DefaultsStore
from models_registry.registry import Registry
from models_registry.settings import Settings
from models_registry.sources import CatalogCache

from .conftest import MINI_CATALOG, json_from_child

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).parents[1]
TEN_YEARS = 10 * 365 * 86400  # no background refresh races the case's own actions
PROBE = "openai/gpt-5-mini"  # in the snapshot and in mini-api.json
STORED = "openai/gpt-4o"  # what the user set before the fault
NEW = "openai/gpt-5-nano"  # what set_default tries to store after it
CONFIG = '# Written by hand: comments and order must survive.\n[defaults]\nsmall = "openai/gpt-5-mini"\n'
GARBAGE = b"\x00\xff not json {{{ " * 64
TMPFS_SIZE = "256k"


@dataclass(frozen=True)
class Case:
    file: str  # a file in the cache or state directory, or the directory itself
    fault: str

    @property
    def where(self) -> str:
        return "state" if self.file in ("defaults.json", "state dir") else "cache"

    @property
    def id(self) -> str:
        return f"{self.file}-{self.fault}"


FILE_FAULTS = ("empty", "truncated", "garbage", "directory")
DIR_FAULTS = ("read-only", "disk full (tmpfs)", "disk full (ENOSPC on fsync)")
CASES = [
    *(
        Case(name, how)
        for name in ("api.json", "api.meta.json", "api.index.json", "defaults.json")
        for how in FILE_FAULTS
    ),
    *(Case(name, how) for name in ("cache dir", "state dir") for how in DIR_FAULTS),
]


# --- the good state, and breaking it -----------------------------------------------------------------


def settings_for(workdir: Path, url: str) -> Settings:
    return Settings(
        url=url,
        ttl_seconds=TEN_YEARS,
        cache_dir=workdir / "cache",
        state_dir=workdir / "state",
        config_file=workdir / "config.toml",
    )


async def prepare(workdir: Path, url: str) -> None:
    """A good cache fetched from the upstream, a stored default, and the user's config file."""
    settings = settings_for(workdir, url)
    first = await Registry(settings, env={}).refresh(force=True)
    assert first.outcome == "updated", first
    DefaultsStore(settings.state_dir).set("default", STORED)
    settings.config_file.write_text(CONFIG)


def repriced() -> bytes:
    """mini-api.json with one price changed: a newer catalog the cache must take."""
    raw = json.loads(MINI_CATALOG.read_text())
    raw["openai"]["models"]["gpt-4o"]["cost"]["input"] = 1.0
    return orjson.dumps(raw)


def break_file(path: Path, how: str) -> None:
    if how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "garbage":
        path.write_bytes(GARBAGE)
    elif how == "directory":
        path.unlink()
        path.mkdir()
        (path / "something-the-user-put-here").write_text("keep me")


def digests(directory: Path) -> dict[str, str]:
    """Every entry under `directory`: sha256 of a file, 'dir' for a directory."""
    found = {}
    for path in sorted(directory.rglob("*")):
        rel = str(path.relative_to(directory))
        found[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def fill(directory: Path) -> None:
    """Write until the filesystem under `directory` says ENOSPC."""
    with open(directory / "filler", "wb", buffering=0) as fh:
        chunk = b"\0" * 4096
        while True:
            try:
                fh.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                if len(chunk) == 1:
                    return
                chunk = chunk[: len(chunk) // 2]


# --- the exercise: start, ask, write, ask again (in process or in a child) -------------------------------


async def exercise(workdir: Path, url: str, where: str) -> dict[str, Any]:
    """Start a registry over `workdir`, use it through MCP, try the write `where` calls for; what it saw."""
    before = digests(workdir)
    registry = Registry(settings_for(workdir, url), env={"OPENAI_API_KEY": "sk-test"})  # must not raise
    seen: dict[str, Any] = {}
    async with Client(build_server(registry), mode="legacy") as client:

        async def status() -> dict[str, Any]:
            return json.loads((await client.read_resource("models://status")).contents[0].text)

        seen["status_first"] = await status()
        providers = await client.call_tool("list_providers", {"available_only": False})
        model = await client.call_tool("get_model", {"model": PROBE})
        default = await client.call_tool("get_default", {"role": "default"})
        seen["tools"] = {
            "list_providers": not providers.is_error and bool(providers.structured_content["providers"]),
            "get_model": not model.is_error and model.structured_content["model"] == PROBE,
            "get_default": not default.is_error,
        }
        seen["default_before"] = default.structured_content
        seen["status_after_tools"] = await status()
        if where == "cache":
            action = await client.call_tool("refresh_catalog", {"force": True})
        else:
            action = await client.call_tool("set_default", {"model": NEW, "role": "default"})
        seen["action"] = {
            "is_error": action.is_error,
            "text": action.content[0].text,
            "data": action.structured_content,
        }
        seen["status_after"] = await status()
        seen["default_after"] = (
            await client.call_tool("get_default", {"role": "default"})
        ).structured_content
    seen["before"], seen["after"] = before, digests(workdir)
    return seen


def child_main(spec_json: str) -> None:
    """In a child under `unshare -rm`, the target directory already remounted: run `exercise`, print JSON."""
    import anyio

    spec = json.loads(spec_json)
    workdir = Path(spec["workdir"])
    if spec["staged"]:  # a fresh tmpfs hides what was there: copy the good state in, then fill the disk
        target = workdir / spec["where"]
        for entry in Path(spec["staged"]).iterdir():
            (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, target / entry.name)
        fill(target)
    print(json.dumps(anyio.run(exercise, workdir, spec["url"], spec["where"])))


_MOUNTS = {
    "read-only": 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"',
    "tmpfs": f'mount -t tmpfs -o size={TMPFS_SIZE} tmpfs "$1" && shift && exec "$@"',
}


def mount_namespace_unavailable(tmp_path: Path) -> str | None:
    if not shutil.which("unshare"):
        return "needs unshare(1)"
    probe = tmp_path / "mount-probe"
    probe.mkdir()
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c", _MOUNTS["tmpfs"], "sh", str(probe), "true"],
        check=False,
        capture_output=True,
        text=True,
    )
    probe.rmdir()
    return None if proc.returncode == 0 else f"`unshare -rm` cannot mount here: {proc.stderr.strip()}"


def exercise_in_child(
    workdir: Path, url: str, where: str, mount: str, staged: Path | None = None
) -> dict[str, Any]:
    spec = json.dumps(
        {"workdir": str(workdir), "url": url, "where": where, "staged": str(staged) if staged else None}
    )
    code = "import sys; from tests.test_disk_faults import child_main; child_main(sys.argv[1])"
    command = ["unshare", "-rm", "sh", "-c", _MOUNTS[mount], "sh", str(workdir / where)]
    return json_from_child([*command, sys.executable, "-c", code, spec], ROOT)


def _enospc_under(directory: Path):
    """An os.fsync that fails with ENOSPC for files under `directory`: a disk that fills during the write."""
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(directory)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    return fsync


def chmod_stops_writes(directory: Path) -> bool:
    """False as root (or with CAP_DAC_OVERRIDE), where a 0o500 directory still takes new files."""
    probe = directory / "probe"
    directory.mkdir(exist_ok=True)
    directory.chmod(0o500)
    try:
        probe.write_text("x")
    except PermissionError:
        return True
    finally:
        directory.chmod(0o700)
    probe.unlink()
    return False


# --- checks and rows ---------------------------------------------------------------------------------


def _short(text: str, workdir: Path) -> str:
    """A message for a table cell: directories as $CACHE/$STATE, file names bare, parser details dropped."""
    text = text.removeprefix("Error executing tool set_default: ")
    text = text.replace(str(workdir / "cache"), "$CACHE").replace(str(workdir / "state"), "$STATE")
    text = re.sub(r"\$CACHE/|\$STATE/", "", text)
    text = re.sub(r"\(not valid JSON \(.*\)\)", "(not valid JSON)", text)
    return text if len(text) <= 80 else text[:79] + "…"


def check_tools_answered(seen: dict[str, Any]) -> None:
    assert all(seen["tools"].values()), seen["tools"]


def check_cache_case(case: Case, seen: dict[str, Any], workdir: Path) -> str:
    """Cache faults: the catalog is served, the problem named, and a refresh still gets a catalog in hand."""
    first, action, after = seen["status_first"], seen["action"], seen["status_after"]
    said = []
    if case.file in ("api.json", "api.meta.json"):
        # Unusable cache: serve the snapshot and say which file is wrong, before any tool is called.
        assert first["source"] == "snapshot"
        [problem] = first["problems"]
        assert case.file in problem and ("corrupt" in problem or "unreadable" in problem), problem
        said.append(problem)
    else:
        # The index and the directories are only read as optimisations or written on refresh.
        assert (first["source"], first["problems"]) == ("cache", []), first
    assert not action["is_error"] and action["data"]["outcome"] == "updated", action
    assert after["source"] == "network" and after["models"] == 39
    write_failed = [p for p in after["problems"] if "could not write the cache" in p]
    if case.fault in ("directory",) + DIR_FAULTS:
        # The fetched catalog is in hand; the cache could not take it, and status says so.
        assert write_failed, after["problems"]
        said.append("refresh: " + write_failed[0])
    else:
        assert after["problems"] == [], after["problems"]
        said.append("refresh rewrote the cache")
    if case.fault == "directory":
        assert seen["after"][f"cache/{case.file}/something-the-user-put-here"], "the directory was emptied"
    if case.fault in DIR_FAULTS:
        # Nothing the failed write touched may have changed: old catalog, index and meta stay whole.
        for name in ("api.json", "api.meta.json", "api.index.json"):
            assert seen["after"][f"cache/{name}"] == seen["before"][f"cache/{name}"], name
        assert not [n for n in seen["after"] if n.endswith(".tmp")], "a temp file was left behind"
    return " / ".join(_short(s, workdir) for s in said)


def check_state_case(
    case: Case, seen: dict[str, Any], workdir: Path, original: bytes | None
) -> tuple[str, str]:
    """State faults: defaults stay readable; set_default works (moving a corrupt file aside) or says why."""
    action, after_tools = seen["action"], seen["status_after_tools"]
    defaults_key = "state/defaults.json"
    if case.file == "defaults.json":
        # Once the defaults were read, status names the file; the stored choice is gone from the answers.
        problems = [p for p in after_tools["problems"] if "defaults.json" in p]
        assert problems and "unreadable" in problems[0], after_tools["problems"]
        assert seen["default_before"]["source"] == "fallback"
        said = _short(problems[0], workdir)
        if case.fault == "directory":
            assert action["is_error"] and "could not save the default" in action["text"], action
            assert (
                seen["after"][defaults_key] == "dir"
                and "state/defaults.json/something-the-user-put-here" in seen["after"]
            )
            return (
                f"{said} / set_default: {_short(action['text'], workdir)}",
                "kept (the directory is left alone)",
            )
        assert not action["is_error"], action
        assert (
            seen["default_after"]["model"] == NEW
            and seen["default_after"]["source"] == "stored (set_default)"
        )
        aside = [n for n in seen["after"] if re.fullmatch(r"state/defaults\.corrupt-\d{8}T\d{6}\.json", n)]
        assert len(aside) == 1, seen["after"]
        assert seen["after"][aside[0]] == hashlib.sha256(original).hexdigest()  # the user's bytes, exactly
        assert seen["status_after"]["problems"] == []
        return f"{said} / set_default moved it aside", "moved aside to defaults.corrupt-<UTC time>.json"
    # A directory that will not take the write: the reply says nothing was saved, and nothing was.
    assert seen["default_before"]["model"] == STORED
    assert (
        action["is_error"]
        and "could not save the default" in action["text"]
        and "nothing was changed" in action["text"]
    )
    assert seen["after"][defaults_key] == seen["before"][defaults_key]
    assert seen["default_after"]["model"] == STORED
    assert not [n for n in seen["after"] if n.endswith(".tmp")], "a temp file was left behind"
    return f"set_default: {_short(action['text'], workdir)}", "kept"


# --- the cases -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_disk_fault_starts_answers_says_why_and_keeps_user_data(
    case, upstream, tmp_path, monkeypatch, reliability
):
    workdir = tmp_path / "w"
    workdir.mkdir()
    await prepare(workdir, upstream.url)
    upstream.serve(repriced(), '"v2"')  # a changed catalog, so a refresh has something it must write

    target = workdir / case.where
    original: bytes | None = None
    fault = case.fault
    if case.fault in FILE_FAULTS:
        path = target / case.file
        break_file(path, case.fault)
        original = None if path.is_dir() else path.read_bytes()
        seen = await exercise(workdir, upstream.url, case.where)
    elif case.fault == "read-only":
        if chmod_stops_writes(tmp_path / "chmod-probe"):
            fault = "read-only (chmod 500)"
            target.chmod(0o500)
            try:
                seen = await exercise(workdir, upstream.url, case.where)
            finally:
                target.chmod(0o700)
        else:
            if reason := mount_namespace_unavailable(tmp_path):
                pytest.skip(f"chmod does not stop writes here (root?) and {reason}")
            fault = "read-only (ro bind mount, as root)"
            seen = exercise_in_child(workdir, upstream.url, case.where, "read-only")
    elif case.fault == "disk full (tmpfs)":
        if reason := mount_namespace_unavailable(tmp_path):
            pytest.skip(f"no tiny tmpfs: {reason}")
        staged = workdir / f"{case.where}.staged"
        target.rename(staged)
        target.mkdir()
        # The tmpfs goes with the child: the child's own before/after digests say what happened in it.
        seen = exercise_in_child(workdir, upstream.url, case.where, "tmpfs", staged)
    else:
        with monkeypatch.context() as patch:
            patch.setattr(os, "fsync", _enospc_under(target))
            seen = await exercise(workdir, upstream.url, case.where)

    check_tools_answered(seen)
    assert (workdir / "config.toml").read_text() == CONFIG, "the user's config file was modified"
    if case.where == "cache":
        says = check_cache_case(case, seen, workdir)
        # The state directory is not involved: the stored default is still there.
        assert seen["after"]["state/defaults.json"] == seen["before"]["state/defaults.json"]
        user_data = "kept"
    else:
        says, user_data = check_state_case(case, seen, workdir, original)
    if case.where == "cache" and case.fault in FILE_FAULTS and case.fault != "directory":
        # The refresh rewrote the cache: the next start serves it again, with nothing to report.
        restarted = Registry(settings_for(workdir, upstream.url), env={}).status()
        assert (restarted.source, restarted.problems) == ("cache", [])
        assert CatalogCache(workdir / "cache").load().catalog.model_count == 39
    reliability.record(
        "disk-faults",
        {"file": case.file, "fault": fault, "start": "ok", "status says": says, "user data": user_data},
    )


async def test_status_read_first_names_a_corrupt_defaults_file(upstream, tmp_path):
    await prepare(tmp_path, upstream.url)
    (tmp_path / "state" / "defaults.json").write_bytes(GARBAGE)
    registry = Registry(settings_for(tmp_path, upstream.url), env={})
    async with Client(build_server(registry), mode="legacy") as client:
        status = json.loads((await client.read_resource("models://status")).contents[0].text)
    assert any("defaults.json" in p for p in status["problems"]), status["problems"]


async def test_status_says_the_cache_disk_is_full(upstream, tmp_path, monkeypatch):
    await prepare(tmp_path, upstream.url)
    upstream.serve(repriced(), '"v2"')
    registry = Registry(settings_for(tmp_path, upstream.url), env={})
    monkeypatch.setattr(os, "fsync", _enospc_under(tmp_path / "cache"))
    result = await registry.refresh(force=True)
    assert result.outcome == "updated"
    assert any("No space left on device" in p for p in registry.status().problems), registry.status().problems


async def test_set_default_says_the_state_disk_is_full(upstream, tmp_path, monkeypatch):
    await prepare(tmp_path, upstream.url)
    registry = Registry(settings_for(tmp_path, upstream.url), env={})
    monkeypatch.setattr(os, "fsync", _enospc_under(tmp_path / "state"))
    async with Client(build_server(registry), mode="legacy") as client:
        reply = await client.call_tool("set_default", {"model": NEW})
    assert reply.is_error and "No space left on device" in reply.content[0].text, reply.content[0].text
