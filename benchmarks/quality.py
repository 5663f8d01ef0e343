"""Quality of answers: the expert panels' scores and the quality table's coverage.

    python -m benchmarks.quality

Not timings: the share of scenarios whose first pick an experienced engineer accepts
(tests/panel/scenarios.toml, target 95%; tests/panel/holdout.toml, written afterwards by
another hand, target 90%), and the share of first-party chat models of the big labs released
before 2025-12 whose general score is measured or fitted rather than estimated (aim 90%).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from tests.test_panel import (
    HOLDOUT_FILE,
    HOLDOUT_THRESHOLD,
    THRESHOLD,
    load_scenarios,
    run_panels_in_temp_home,
)

from models_registry.recommend.candidates import coverage
from models_registry.registry import Registry
from models_registry.settings import Settings

from ._timing import Check, print_table


def _panels() -> list[Check]:
    panels = (
        ("expert panel: first pick accepted", load_scenarios(), THRESHOLD),
        ("held-out panel: first pick accepted", load_scenarios(HOLDOUT_FILE), HOLDOUT_THRESHOLD),
    )
    results = run_panels_in_temp_home(*(scenarios for _, scenarios, _ in panels))
    checks = []
    for (title, _, threshold), outcomes in zip(panels, results, strict=True):
        accepted = sum(o.passed for o in outcomes)
        absolute = sum(bool(o.absolute) for o in outcomes)
        failed = ", ".join(o.scenario["id"] for o in outcomes if not o.passed)
        checks.append(Check(
            title, f"{accepted}/{len(outcomes)} ({accepted / len(outcomes):.0%})", f"{absolute} other-kind or duplicate",
            f">= {threshold:.0%}", accepted / len(outcomes) >= threshold and not absolute,
            note=f"Not accepted: {failed or 'none'}.",
        ))
    return checks


def _coverage() -> Check:
    with tempfile.TemporaryDirectory(prefix="models-registry-coverage-") as tmp:
        registry = Registry(Settings(offline=True, cache_dir=Path(tmp) / "cache", state_dir=Path(tmp) / "state"), env={})
        measured, total, missing = coverage(registry.candidates())
    by_lab = Counter(ref.partition("/")[0] for ref in missing)
    return Check(
        "quality table: big labs' chat models before 2025-12 with a measured score",
        f"{measured}/{total} ({measured / total:.0%})", "", ">= 90% (aim)", measured / total >= 0.9,
        note="Without one: " + ", ".join(f"{lab} {n}" for lab, n in by_lab.most_common())
        + f" ({', '.join(missing)}). None of the bundled sources rates them.",
    )


def measure() -> list[Check]:
    return [*_panels(), _coverage()]


def main() -> None:
    print_table(measure())


if __name__ == "__main__":
    main()
