"""The README's host entries, each spawned the way that host spawns it, then driven over MCP.

Every test loads an example file (mcp.json.example, hosts/vscode.mcp.json) or the README's
`claude mcp add` line, replaces the placeholders the README tells a user to replace, starts the
server as the host would, and runs initialize, tools/list and a list_providers call through the
MCP SDK's stdio client (or its HTTP client for a URL entry).

How each host starts a server, and what these tests rely on (looked up 2026-11):
- Claude Desktop: claude_desktop_config.json, top-level "mcpServers", each {command, args, env};
  no "type"/"url" entries, so a remote server goes through a stdio bridge (modelcontextprotocol.io
  user quickstart; mcp-remote's README "Usage"). A GUI app does not get the login shell's PATH or
  variables: we spawn with the environment the MCP SDKs pass by default (HOME, LOGNAME, PATH, SHELL,
  TERM, USER), PATH=/usr/bin:/bin, plus the entry's env block.
- Cursor: .cursor/mcp.json or ~/.cursor/mcp.json, the same "mcpServers" shape (cursor.com/docs/mcp),
  so the same entry and the same minimal environment.
- Claude Code: `claude mcp add [options] <name> -- <command> [args...]`, `-e KEY=value`,
  `--scope local|project|user`; local scope is stored in ~/.claude.json under
  projects[<cwd>].mcpServers (code.claude.com/docs/en/mcp, and `claude mcp add --help` of the pinned
  @anthropic-ai/claude-code). The test runs the real CLI (no login needed) in a temp HOME, reads
  back what it stored, and spawns that with the shell's environment plus the stored env.
- VS Code: .vscode/mcp.json, top-level "servers", each with "type" ("stdio" or "http"), and
  "inputs" (promptString) for secrets; env entries override the editor's own environment, which
  the server otherwise inherits (code.visualstudio.com/docs/copilot/reference/mcp-configuration).
- mcp-remote: `npx mcp-remote <url>` bridges stdio to a remote server; plain http to a loopback
  address needs no `--allow-http`, and the default `--transport http-first` speaks streamable HTTP
  (mcp-remote 0.15.1 README).
- uvx: `uvx --from <path> models-registry serve` builds the checkout and installs its dependencies;
  here offline (UV_OFFLINE, UV_FIND_LINKS) from the wheelhouse `.ci/run` builds, with uv from the
  test extra.

Nothing reaches the network: servers run with MODELS_REGISTRY_OFFLINE=1 on the bundled catalog,
npx runs with npm_config_offline=true and resolves mcp-remote from this repo's node_modules, and
HOME is conftest's temp directory.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from . import test_transports as transports
from .conftest import TOOLS

ROOT = Path(__file__).parent.parent
COMMAND = Path(sys.executable).parent / "models-registry"  # this checkout's venv command
NODE_BIN = ROOT / "node_modules" / ".bin"
IN_CI = bool(os.environ.get("MODELS_REGISTRY_CI"))  # read now: the autouse fixture clears MODELS_REGISTRY_*

# The placeholders the README tells a user to replace, longest first.
UVX = Path(sys.executable).parent / "uvx"  # installed by the test extra
WHEELHOUSE = ROOT / ".wheelhouse"  # built by .ci/run
PLACEHOLDERS = {
    "/ABSOLUTE/PATH/TO/models-registry-mcp/.venv/bin/models-registry": str(COMMAND),
    "/ABSOLUTE/PATH/TO/uvx": str(UVX),
    "/ABSOLUTE/PATH/TO/models-registry-mcp": str(ROOT),
}
DESKTOP_PATH = "/usr/bin:/bin"  # what a GUI app started from the dock or start menu gets
TEST_ONLY = {"MODELS_REGISTRY_OFFLINE": "1"}  # keeps the server off the network; not part of any entry

pytestmark = pytest.mark.anyio


def example(name: str) -> dict:
    return json.loads((ROOT / name).read_text())


def fill(value: str) -> str:
    for placeholder, real in PLACEHOLDERS.items():
        value = value.replace(placeholder, real)
    return value


def require(path: Path | None, what: str, how: str = "run `npm ci` in the repo root") -> None:
    """A tool `.ci/run` installs: missing fails under CI, skips elsewhere."""
    if path is not None and path.exists():
        return
    message = f"{what} not installed: {how}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


async def drive(params: StdioServerParameters | str) -> dict:
    """initialize + tools/list + list_providers, as a host does; the list_providers result."""
    async with Client(params, mode="legacy") as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool("list_providers", {})
    assert tools == TOOLS
    assert result.is_error is not True
    return result.structured_content


def available(structured: dict) -> set[str]:
    return {provider["id"] for provider in structured["providers"]}


@contextmanager
def http_server(env: dict[str, str]) -> Iterator[str]:
    """`models-registry serve --transport streamable-http` (the venv's command) on a free loopback port; its /mcp URL."""
    with transports.http_server(Path("."), "streamable-http", env=env, command=[str(COMMAND)]) as (base, _):
        yield f"{base}/mcp"


# Claude Desktop and Cursor: mcp.json.example


def test_mcp_json_example_is_valid_for_claude_desktop_and_cursor():
    servers = example("mcp.json.example")["mcpServers"]
    assert set(servers) == {"models-registry", "models-registry-uvx", "models-registry-remote"}
    for name, entry in servers.items():
        assert set(entry) <= {"command", "args", "env"}, f"{name}: Claude Desktop takes command/args/env only"
        assert isinstance(entry["command"], str) and all(isinstance(a, str) for a in entry["args"])
        assert all(isinstance(v, str) for v in entry.get("env", {}).values())
        # Shipped key values are empty: a placeholder such as "sk-..." would count as a configured key.
        assert all(value == "" for value in entry.get("env", {}).values()), name


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({}, set()),  # as shipped: every key "" counts as unset
        ({"OPENAI_API_KEY": "sk-test-openai"}, {"openai"}),  # the user filled in one key
        ({"OPENAI_API_KEY": "sk-..."}, {"openai"}),  # a placeholder left in counts as set
    ],
    ids=["as-shipped", "one-key-filled", "placeholder-left-in"],
)
async def test_desktop_entry_runs_under_a_desktop_environment(keys, expected):
    """Claude Desktop and Cursor spawn the entry the same way: minimal PATH, the env block on top."""
    entry = example("mcp.json.example")["mcpServers"]["models-registry"]
    env = {**entry["env"], **keys}
    params = StdioServerParameters(
        command=fill(entry["command"]),
        args=[fill(a) for a in entry["args"]],
        env={"PATH": DESKTOP_PATH, **env, **TEST_ONLY},
    )
    structured = await drive(params)
    assert available(structured) == expected
    count = len(expected)
    assert structured["summary"].startswith(f"{count} provider{'' if count == 1 else 's'} available")


async def test_a_bare_command_is_not_found_under_a_desktop_path():
    """Why the entry names the venv's command by absolute path: `spawn models-registry ENOENT`."""
    assert shutil.which("models-registry", path=DESKTOP_PATH) is None
    params = StdioServerParameters(command="models-registry", args=["serve"], env={"PATH": DESKTOP_PATH})
    with pytest.raises(FileNotFoundError):
        await drive(params)


async def test_uvx_entry_builds_this_checkout_and_serves(tmp_path):
    """The uvx entry, run as a desktop host runs it, offline: the wheels come from `.ci/run`'s wheelhouse.

    The package is not published, so the entry installs from a local path (`--from <checkout>`),
    and names uvx by absolute path for the same reason as the desktop entry.
    """
    entry = example("mcp.json.example")["mcpServers"]["models-registry-uvx"]
    assert entry["args"][0] == "--from" and entry["args"][2:] == ["models-registry", "serve"]
    require(UVX if WHEELHOUSE.is_dir() else None, "uvx or .wheelhouse", "see .ci/run's pip wheel line")
    offline = {  # what a user's uvx would fetch from the index, read from the wheelhouse instead
        "UV_OFFLINE": "1", "UV_NO_INDEX": "1", "UV_FIND_LINKS": str(WHEELHOUSE),
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"), "UV_PYTHON": sys.executable, "HOME": str(tmp_path),
    }
    params = StdioServerParameters(
        command=fill(entry["command"]),
        args=[fill(a) for a in entry["args"]],
        env={"PATH": DESKTOP_PATH, **entry["env"], "OPENAI_API_KEY": "sk-test-openai", **TEST_ONLY, **offline},
    )
    assert available(await drive(params)) == {"openai"}


async def test_remote_server_through_the_mcp_remote_bridge(tmp_path):
    """A stdio-only host reaches a server started with --transport streamable-http through mcp-remote."""
    entry = example("mcp.json.example")["mcpServers"]["models-registry-remote"]
    assert entry["command"] == "npx" and "env" not in entry  # keys live with the server, not the bridge
    flag, package, url = entry["args"]
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["mcp-remote"]
    assert (flag, package, url) == ("-y", f"mcp-remote@{pinned}", "http://127.0.0.1:8765/mcp")
    npx = shutil.which("npx")
    require(Path(npx) if npx else None, "npx")
    require(ROOT / "node_modules" / "mcp-remote" / "package.json", "mcp-remote")
    node_dir = os.path.dirname(os.path.realpath(shutil.which("node") or npx))
    path = DESKTOP_PATH if shutil.which("npx", path=DESKTOP_PATH) else f"{node_dir}:{DESKTOP_PATH}"
    server_env = {**os.environ, **TEST_ONLY, "OPENAI_API_KEY": "sk-server-side"}
    with http_server(server_env) as real_url:
        params = StdioServerParameters(
            command=entry["command"],
            args=[flag, package, real_url],
            # A desktop environment, plus: resolve the pinned mcp-remote from this repo's node_modules
            # instead of downloading it (a user's npx downloads it once).
            env={"PATH": path, "npm_config_offline": "true"},
            cwd=ROOT,
        )
        structured = await drive(params)
    assert available(structured) == {"openai"}


# Claude Code: the README's `claude mcp add` line, run for real


def readme_claude_command() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Connecting an MCP host", 1)[1].split("\n## ", 1)[0]
    (line,) = [line for line in section.splitlines() if line.startswith("claude mcp add ")]
    return [fill(word) for word in shlex.split(line)]


def claude_mcp_add(claude: Path, command: list[str], project: Path) -> dict:
    """Run `claude mcp add ...` in `project` (no login needed); the entry it stored for that project."""
    quiet = {
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
    }
    proc = subprocess.run(
        [str(claude), *command[1:]],
        check=False,
        cwd=project,
        env={**os.environ, **quiet},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    stored = json.loads((Path(os.environ["HOME"]) / ".claude.json").read_text())
    return stored["projects"][str(project.resolve())]["mcpServers"]["models-registry"]


async def test_claude_code_mcp_add_stores_an_entry_that_runs(tmp_path):
    claude = NODE_BIN / ("claude.cmd" if os.name == "nt" else "claude")
    require(claude, "Claude Code CLI (@anthropic-ai/claude-code)")
    command = readme_claude_command()
    assert command[:4] == ["claude", "mcp", "add", "models-registry"] and "--" in command
    # The README's optional `-e KEY=value` goes right after the name, before `--`.
    command[4:4] = ["-e", "ANTHROPIC_API_KEY=sk-ant-test"]
    project = tmp_path / "project"
    project.mkdir()
    entry = claude_mcp_add(claude, command, project)
    assert entry == {
        "type": "stdio",
        "command": str(COMMAND),
        "args": ["serve"],
        "env": {"ANTHROPIC_API_KEY": "sk-ant-test"},
    }
    # Claude Code runs in the user's shell: the server inherits it, with the stored env on top.
    shell = {**os.environ, **TEST_ONLY, "OPENAI_API_KEY": "sk-exported-in-the-shell"}
    env = {**shell, **entry["env"]}
    params = StdioServerParameters(command=entry["command"], args=entry["args"], env=env)
    assert available(await drive(params)) == {"openai", "anthropic"}


# VS Code: hosts/vscode.mcp.json


def vscode_config() -> dict:
    config = example("hosts/vscode.mcp.json")
    assert set(config) == {"servers", "inputs"}
    assert all("type" in server for server in config["servers"].values())
    return config


@pytest.mark.parametrize(
    ("answer", "inherited", "expected"),
    [
        ("sk-test-openai", {}, {"openai"}),  # the key typed at VS Code's prompt
        ("", {}, set()),  # a blank answer counts as unset
        ("", {"OPENAI_API_KEY": "sk-inherited"}, set()),  # ...and hides a key VS Code inherited
    ],
    ids=["key-given", "blank", "blank-hides-inherited"],
)
async def test_vscode_stdio_entry_with_its_input_prompt(answer, inherited, expected):
    config = vscode_config()
    entry = config["servers"]["models-registry"]
    assert entry["type"] == "stdio"
    (prompt,) = config["inputs"]
    assert prompt["type"] == "promptString" and prompt["password"] is True
    env = {k: v.replace(f"${{input:{prompt['id']}}}", answer) for k, v in entry["env"].items()}
    editor = {**os.environ, **inherited, **TEST_ONLY}  # the server inherits VS Code's environment
    params = StdioServerParameters(
        command=fill(entry["command"]), args=[fill(a) for a in entry["args"]], env={**editor, **env}
    )
    assert available(await drive(params)) == expected


async def test_vscode_http_entry_reaches_a_running_server():
    entry = vscode_config()["servers"]["models-registry-remote"]
    assert entry == {"type": "http", "url": "http://127.0.0.1:8765/mcp"}
    with http_server({**os.environ, **TEST_ONLY, "OPENAI_API_KEY": "sk-server-side"}) as url:
        assert available(await drive(url)) == {"openai"}
