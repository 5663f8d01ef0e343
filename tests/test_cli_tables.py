"""The CLI's tables fit the terminal (issue 14): snapshots at 80 and 120 columns, and what holds at any width.

Each table runs as a real `python -m models_registry` process against the bundled snapshot,
offline, with fixed keys. Piped with COLUMNS set, it must match tests/data/cli/<name>-<width>.txt;
`UPDATE_SNAPSHOTS=1 pytest tests/test_cli_tables.py` rewrites those files. Independently of the
snapshots: no line is wider than the terminal, and every id and variable name the table shows
is whole (never cut with an ellipsis, never folded). The catalog's age, which changes daily, is
replaced by `<age>` before comparing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from .conftest import DATA
from .test_hostile_terminal import SGR, _run_in_pty

SNAPSHOTS = DATA / "cli"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
KEYS = {"OPENAI_API_KEY": "sk-test", "AWS_ACCESS_KEY_ID": "AKIA-test", "AWS_SECRET_ACCESS_KEY": "aws-test"}
TABLES = {
    "providers": ["providers", "--all"],
    "models": ["models", "--all", "-q", "opus", "--limit", "20"],
    "recommend": ["recommend", "code review", "--all"],
}
WIDTHS = [80, 120]
AGE = re.compile(r"\d+ (min|h|days) old")


@pytest.fixture
def cli_env() -> dict[str, str]:
    """The isolated environment (conftest), offline, two providers' keys, no colour asked for either way."""
    env = {**os.environ, "MODELS_REGISTRY_OFFLINE": "1", **KEYS}
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        env.pop(name, None)
    return env


def _run(argv: list[str], env: dict[str, str], columns: int | None = None) -> str:
    """The command's stdout, piped (not a terminal), at `columns` when given."""
    env = {**env, "COLUMNS": str(columns)} if columns else env
    proc = subprocess.run(
        [sys.executable, "-m", "models_registry", *argv], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _json(name: str, env: dict[str, str]) -> dict:
    return json.loads(_run([*TABLES[name], "--json"], env))


def _ids(name: str, env: dict[str, str]) -> list[str]:
    """The provider or model ids of the table's rows, from the same command's --json."""
    data = _json(name, env)
    if name == "providers":
        return [p["id"] for p in data["providers"]]
    if name == "models":
        return [m["model"] for items in data["providers"].values() for m in items]
    return [r["model"] for r in data["recommendations"]]


def _names(name: str, env: dict[str, str]) -> set[str]:
    """What the table must show whole: the row ids, and for providers the variable names it lists.

    Those are the ones set for a configured provider, else every alternative it needs.
    """
    names = set(_ids(name, env))
    if name == "providers":
        for creds in (p["credentials"] for p in _json(name, env)["providers"]):
            shown = [creds["satisfied_by"]] if creds["configured"] else creds["alternatives"]
            names.update(var for group in shown for var in group)
    return names


HEADERS = {"providers": "provider ", "models": "model ", "recommend": "# "}


def _table_lines(out: str, name: str) -> list[str]:
    """The table: from its header row to recommend's reasons or the '… N more' line, whichever comes first."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(HEADERS[name]))
    end = next((i for i, line in enumerate(lines) if i > start and re.match(r"\d+\. |… \d+ more", line)), len(lines))
    return lines[start:end]


def _assert_fits(out: str, name: str, width: int, names: set[str]) -> None:
    lines = _table_lines(out, name)
    too_wide = [line for line in lines if len(line) > width]
    assert not too_wide, f"{len(too_wide)} lines wider than {width}, e.g. {too_wide[0]!r}"
    tokens = {token.rstrip(",") for line in lines for token in line.split()}
    cut = sorted(names - tokens)
    assert not cut, f"not shown whole at {width} columns: {cut[:10]}"
    assert not [t for t in tokens if t.endswith("…")]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(TABLES))
def test_table_matches_its_snapshot_and_fits(cli_env, name, width):
    out = AGE.sub("<age>", _run(TABLES[name], cli_env, width))
    _assert_fits(out, name, width, _names(name, cli_env))
    path = SNAPSHOTS / f"{name}-{width}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out)
    assert out == path.read_text(), f"{path.name} differs; rerun with UPDATE_SNAPSHOTS=1 if the change is intended"


@pytest.mark.parametrize("name", list(TABLES))
def test_terminal_at_80_columns_fits_and_keeps_ids_whole(cli_env, name):
    """Under a real pseudo-terminal (colours on), the width rich detects from COLUMNS is honoured."""
    code, out = _run_in_pty(TABLES[name], {**cli_env, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "50"})
    assert code == 0, out
    visible = SGR.sub("", out).replace("\r\n", "\n")
    stdout = "\n".join(line for line in visible.splitlines() if not line.startswith("note: "))  # stderr shares the pty
    _assert_fits(stdout, name, 80, _names(name, cli_env))


@pytest.mark.parametrize("name", list(TABLES))
def test_piped_output_is_plain_columns_sized_to_content(cli_env, name):
    """No COLUMNS and not a terminal: no colour, no rule line, no padding to a page width, one line per row."""
    out = _run(TABLES[name], cli_env)
    assert "\x1b" not in out and "─" not in out
    assert all(line == line.rstrip() for line in out.splitlines())
    column = 1 if name == "recommend" else 0  # recommend's first column is the rank
    firsts = [line.split()[column] for line in _table_lines(out, name) if len(line.split()) > column]
    ids = _ids(name, cli_env)
    assert sorted(f for f in firsts if f in ids) == sorted(ids)  # every row on one line, its id first
