"""A hostile catalog at the terminal: issue 13, defects 3 (escape injection) and 4 (rich markup injection).

Owns the CLI's human-readable output paths (tables, `show`, `status`, error lines) run as a
real `python -m models_registry` process under a real pseudo-terminal, so rich believes it
is talking to a terminal and colours are on, against a catalog file whose ids, names and
other strings carry screen-clearing CSI, window-title OSC, a C1 CSI, bidi overrides and rich
markup; plus the `--json` output and the sanitiser itself. Each check records a `hostile`
row for docs/reliability.md.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from models_registry.cli import _printable

SECTION = "hostile"
COLUMNS = 200  # wide enough that no hostile cell wraps, so its visible text stays on one line

CLEAR = "\x1b[2J\x1b[H"
TITLE = "\x1b]0;pwned\x07"
C1_CSI = "\x9b31m"
RLO = "\u202e"
CLOSE_TAG = "x[/]"
LINK = "[link=https://evil.example]click[/link]"
BOLD = "[bold red]"

ANSI_MODEL = f"ansi/{CLEAR}m"  # the reference `show` is given: provider "ansi", model id ESC[2J ESC[H m

SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours and bold; anything else is an injection
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # \t and \n may be layout


def _model(model_id: str, name: str, **extra: object) -> dict:
    return {
        "id": model_id,
        "name": name,
        "family": CLOSE_TAG,
        "tool_call": True,
        "reasoning": True,
        "knowledge": TITLE + "2025",
        "modalities": {"input": ["text", f"image{C1_CSI}"], "output": ["text"]},
        "limit": {"context": 128000, "output": 16000},
        "cost": {"input": 1, "output": 2},
        **extra,
    }


def _hostile_catalog(directory: Path) -> Path:
    """A models.dev-shaped catalog whose every string is hostile; written under `directory`."""
    catalog = {
        CLOSE_TAG: {
            "id": CLOSE_TAG,
            "name": f"{BOLD}Evil{TITLE}",
            "env": ["EVIL_API_KEY"],
            "models": {LINK: _model(LINK, f"{BOLD}loud\ttab\nnewline")},
        },
        "ansi": {
            "id": "ansi",
            "name": f"{TITLE}Ansi {RLO}cba",
            "env": [f"ANSI{CLEAR}_KEY"],
            "models": {
                f"{CLEAR}m": _model(f"{CLEAR}m", f"{TITLE}Title {C1_CSI}red {RLO}cba", status=f"beta{CLEAR}")
            },
        },
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "api.json"
    path.write_text(json.dumps(catalog))
    return path


def _run_in_pty(argv: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    """Exit code and everything the CLI wrote to its terminal (stdout and stderr share it, as in a shell)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, COLUMNS, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "models_registry", *argv],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)  # the child holds the only writer now, so its exit ends the reads with EIO
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                proc.kill()
                pytest.fail(f"models-registry {argv} did not finish in {timeout}s")
            if not select.select([master], [], [], remaining)[0]:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO on Linux: the terminal has no writer left
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    # Strict UTF-8: a lone C1 byte (0x9b is CSI to an 8-bit terminal) fails here rather than hiding as U+FFFD.
    return proc.wait(timeout=timeout), b"".join(chunks).decode("utf-8")


@pytest.fixture
def terminal_env(tmp_path: Path) -> dict[str, str]:
    """The isolated environment, a hostile catalog file, and a terminal rich will colour."""
    env = {**os.environ, "MODELS_REGISTRY_CATALOG": str(_hostile_catalog(tmp_path / "catalog"))}
    env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES="50")
    env.pop("NO_COLOR", None)
    return env


def _assert_inert(out: str) -> str:
    """The text a user sees once rich's own SGR codes are gone; fails on anything that drives the terminal."""
    assert "Traceback" not in out and "MarkupError" not in out, out
    assert "\x1b]8;" not in out  # no OSC 8 hyperlink: [link=...] was not taken as markup
    visible = SGR.sub("", out).replace("\r\n", "\n")  # the pty turns \n into \r\n
    assert "\x1b" not in visible, repr(visible)
    assert not FORBIDDEN.findall(visible), repr(visible)
    return visible


def _record(reliability, defect: int, attack: str, surface: str, now: str) -> None:
    name = {3: "03. terminal escape injection", 4: "04. rich markup injection"}[defect]
    reliability.record(SECTION, {"defect": name, "attack": attack, "surface": surface, "now": now})


TABLES = [
    # (argv, surface, what the table must still show of the hostile rows)
    (["models", "--all"], "CLI `models --all` table", ["ansi (not configured)", "[2J", "[Hm", LINK]),
    (["providers", "--all"], "CLI `providers --all` table", [CLOSE_TAG, "ansi", "EVIL_API_KEY", "_KEY"]),
    (["recommend", "--all"], "CLI `recommend --all` table and reasons", ["ansi/", "[2J", "[Hm", LINK]),
]


@pytest.mark.parametrize(("argv", "surface", "shown"), TABLES, ids=[t[0][0] for t in TABLES])
def test_tables_render_hostile_catalog_text_inert_and_literal(
    terminal_env, reliability, argv, surface, shown
):
    """Escapes are neutralised and markup is printed as text, with colours on and every hostile row kept."""
    code, out = _run_in_pty(argv, terminal_env)
    assert code == 0, out
    assert SGR.search(out), "rich did not think it was in a terminal, so colour escapes were never at risk"
    visible = _assert_inert(out)
    for text in shown:
        assert text in visible, f"{text!r} is missing from:\n{visible}"
    where = f"{surface} under a pseudo-terminal"
    _record(
        reliability,
        3,
        "CSI clear-screen, OSC title, C1 CSI, RLO in ids and names",
        where,
        "control characters shown as \\x.. escapes, exit 0",
    )
    _record(
        reliability,
        4,
        "ids `x[/]`, `[link=https://evil.example]click[/link]`, `[bold red]`",
        where,
        "printed literally, no MarkupError, no OSC 8 link, exit 0",
    )


def test_show_prints_a_hostile_model_inert(terminal_env, reliability):
    code, out = _run_in_pty(["show", ANSI_MODEL], terminal_env)
    assert code == 0, out
    visible = _assert_inert(out)
    first = visible.splitlines()[0]
    assert first.startswith("ansi/") and "[2J" in first and "Title" in first and "red" in first
    assert "capabilities: tools reasoning" in visible  # the rest of the page is still there
    _record(
        reliability,
        3,
        "model id `ESC[2J ESC[H m`, OSC title, C1 CSI and RLO in its name and fields",
        "CLI `show` under a pseudo-terminal",
        "control characters shown as \\x.. escapes, exit 0",
    )


def test_unknown_model_error_quotes_the_close_match_inert(terminal_env, reliability):
    code, out = _run_in_pty(["show", ANSI_MODEL + "x"], terminal_env)
    assert code == 1, out
    visible = _assert_inert(out)
    assert "Error: Unknown model" in visible and "Did you mean: ansi/" in visible
    _record(
        reliability,
        3,
        "a near-miss of `ansi/ESC[2J ESC[H m`, quoted as 'Did you mean'",
        "CLI error line (unknown model) under a pseudo-terminal",
        "control characters shown as \\x.. escapes, exit 1",
    )


def test_status_prints_a_hostile_catalog_path_inert(tmp_path, terminal_env, reliability):
    # A file path is the catalog text `status` prints; a directory name can hold any of these.
    hostile_dir = tmp_path / f"dir{CLEAR}{TITLE}{C1_CSI}{RLO}{LINK}"
    catalog = _hostile_catalog(hostile_dir)
    terminal_env["MODELS_REGISTRY_CATALOG"] = str(catalog)
    code, out = _run_in_pty(["status"], terminal_env)
    assert code == 0, out
    visible = _assert_inert(out)
    assert "catalog: file, 2 providers, 2 models" in visible
    assert f"url: {_printable(catalog)}" in visible  # the whole path, escapes visible
    _record(
        reliability,
        3,
        "catalog file path with CSI, OSC, C1 CSI and RLO",
        "CLI `status` under a pseudo-terminal",
        "control characters shown as \\x.. escapes, exit 0",
    )


def test_json_output_is_faithful_and_carries_no_raw_control_character(terminal_env, reliability):
    code, out = _run_in_pty(["models", "--all", "--json"], terminal_env)
    assert code == 0, out
    assert "\x1b" not in out and not FORBIDDEN.findall(out.replace("\r\n", "\n")), repr(out)
    refs = {m["model"]: m["name"] for models in json.loads(out)["providers"].values() for m in models}
    assert refs == {  # the data itself is unchanged: JSON escapes carry every character
        f"{CLOSE_TAG}/{LINK}": f"{BOLD}loud\ttab\nnewline",
        ANSI_MODEL: f"{TITLE}Title {C1_CSI}red {RLO}cba",
    }
    _record(
        reliability,
        3,
        "the same hostile catalog, `--json`",
        "CLI `models --json` under a pseudo-terminal",
        "every control character JSON-escaped (\\u001b, \\u009b, \\u202e), data unchanged, exit 0",
    )


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("gpt-5", "gpt-5"),  # ordinary text is untouched, markup-looking text too: rich never parses it
        (LINK, LINK),
        (CLEAR, "\\x1b[2J\\x1b[H"),  # C0: ESC
        (TITLE, "\\x1b]0;pwned\\x07"),  # BEL ends the OSC
        ("a\x7fb", "a\\x7fb"),  # DEL
        (C1_CSI, "\\x9b31m"),  # C1: an 8-bit CSI
        ("a\u202eb\u2066c\u2069", "a\\u202eb\\u2066c\\u2069"),  # bidi overrides and isolates reorder the line
        ("one\ttwo\nthree\r\nfour", "one two three  four"),  # a cell stays on one line
        ("✓ ±1 → Ünïcode", "✓ ±1 → Ünïcode"),  # printable non-ASCII passes
    ],
)
def test_printable_neutralises_every_terminal_control(text, printed):
    assert _printable(text) == printed
    assert not FORBIDDEN.findall(_printable(text))
