"""Side-by-side timing: alternate the candidate and its baseline, report medians and their ratio."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Figure:
    """A ratio of medians, candidate over baseline, measured side by side in one invocation."""

    name: str
    candidate: list[float]
    baseline: list[float]
    target: float | None  # None: an informative figure with no target
    higher_is_better: bool = False  # throughput: the target is a floor, not a ceiling
    unit: str = "ms"  # how samples print: "ms" (samples in seconds), "req/s", "MB", "bytes"
    note: str = ""  # the cause of a gap, or how to read the figure

    @property
    def ratio(self) -> float:
        baseline = statistics.median(self.baseline)
        return statistics.median(self.candidate) / baseline if baseline else float("inf")

    @property
    def met(self) -> bool:
        if self.target is None:
            return True
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "(information)"
        sign = ">=" if self.higher_is_better else "<="
        return f"{sign} {self.target}x " + ("met" if self.met else "NOT met")

    def spread(self, samples: list[float]) -> str:
        scale = 1e3 if self.unit == "ms" else 1
        digits = 2 if self.unit in ("ms", "MB") else 0
        low, mid, high = (f"{x * scale:.{digits}f}" for x in (min(samples), statistics.median(samples), max(samples)))
        return f"{low} / {mid} / {high} {self.unit}"

    def cells(self) -> list[str]:
        return [self.name, self.spread(self.candidate), self.spread(self.baseline), f"{self.ratio:.2f}x", self.verdict]

    def row(self) -> str:
        return "| " + " | ".join(self.cells()) + " |"


@dataclass
class Check:
    """A figure that is a value against a target rather than a ratio (e.g. body bytes of a 304)."""

    name: str
    value: str
    baseline: str
    target: str
    met: bool
    note: str = ""

    @property
    def verdict(self) -> str:
        return f"{self.target} " + ("met" if self.met else "NOT met")

    def cells(self) -> list[str]:
        return [self.name, self.value, self.baseline, "", self.verdict]

    def row(self) -> str:
        return "| " + " | ".join(self.cells()) + " |"


def machine() -> str:
    """The machine a run measured, for the record beside its figures."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )
    cores = f"{os.cpu_count()} cores ({cpu}; {len(os.sched_getaffinity(0))} usable)"
    return f"{cores}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


HEADER = "| figure | candidate min / median / max | baseline min / median / max | ratio | target |\n|---|---|---|---|---|"


def print_table(figures: Sequence[Figure | Check]) -> None:
    print(HEADER)
    for figure in figures:
        print(figure.row())


def alternate(runners: Sequence[Callable[[], object]], runs: int) -> list[list[float]]:
    """Run each runner in turn, `runs` rounds (after one warm-up of each); the seconds of each run, per runner."""
    for run in runners:
        run()
    times: list[list[float]] = [[] for _ in runners]
    for _ in range(runs):
        for run, out in zip(reversed(runners), reversed(times)):  # baselines first, as before
            start = time.perf_counter()
            run()
            out.append(time.perf_counter() - start)
    return times
