"""Side-by-side timing: alternate the candidate and its baseline, report medians and their ratio."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Figure:
    name: str
    candidate: list[float]
    baseline: list[float]
    target: float

    @property
    def ratio(self) -> float:
        return statistics.median(self.candidate) / statistics.median(self.baseline)

    @property
    def met(self) -> bool:
        return self.ratio <= self.target

    def row(self) -> str:
        def ms(xs: list[float]) -> str:
            return f"{min(xs) * 1e3:.2f} / {statistics.median(xs) * 1e3:.2f} / {max(xs) * 1e3:.2f}"

        verdict = "met" if self.met else "NOT met"
        return f"| {self.name} | {ms(self.candidate)} | {ms(self.baseline)} | {self.ratio:.2f}x | <= {self.target}x {verdict} |"


def alternate(candidate: Callable[[], object], baseline: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Run baseline and candidate in turn `runs` times each (after one warm-up of each)."""
    candidate(), baseline()
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        for fn, out in ((baseline, b), (candidate, a)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return a, b
