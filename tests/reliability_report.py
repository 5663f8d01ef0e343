"""Figures the reliability tests record, written into docs/reliability.md on request.

    python -m pytest tests --reliability-report

Every test that proves a promise (a fault-matrix cell, a scanned surface, a fuzzed tool)
records a row with `reliability.record(section, {...})`. Without the option nothing is
written; with it, each section's table in docs/reliability.md is replaced between its
markers, `<!-- section:start -->` and `<!-- section:end -->`, so the prose around the
tables stays as written. Sections: fault-matrix, disk-faults, canaries, fuzzing,
http-security, concurrency, hostile, shared-defaults.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

DOC = Path(__file__).parents[1] / "docs" / "reliability.md"


class ReliabilityReport:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def record(self, section: str, row: dict[str, Any]) -> None:
        self.rows[section].append(row)

    def write(self, doc: Path = DOC) -> list[str]:
        """Replace each recorded section's table in `doc`; returns the sections written."""
        text = doc.read_text()
        written = []
        for section, rows in sorted(self.rows.items()):
            pattern = re.compile(rf"(<!-- {section}:start -->\n).*?(<!-- {section}:end -->)", re.DOTALL)
            if not pattern.search(text):
                raise ValueError(f"{doc} has no markers for section {section!r}")
            table = _table(sorted(rows, key=lambda row: [str(v) for v in row.values()]))
            text = pattern.sub(lambda m, table=table: m.group(1) + table + m.group(2), text)
            written.append(section)
        doc.write_text(text)
        return written


def _table(rows: list[dict[str, Any]]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(column, "")).replace("|", "\\|") for column in columns) + " |")
    return "\n".join(lines) + "\n"
