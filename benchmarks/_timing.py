"""Side-by-side timing: alternate the candidate and its baseline, report medians and their ratio."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass
class Figure:
    name: str
    candidate: list[float]
    baseline: list[float]
    target: float | None  # None: an informative figure with no target

    @property
    def ratio(self) -> float:
        return statistics.median(self.candidate) / statistics.median(self.baseline)

    @property
    def met(self) -> bool:
        return self.target is None or self.ratio <= self.target

    def row(self) -> str:
        def ms(xs: list[float]) -> str:
            return f"{min(xs) * 1e3:.2f} / {statistics.median(xs) * 1e3:.2f} / {max(xs) * 1e3:.2f}"

        verdict = "(information)" if self.target is None else f"<= {self.target}x " + ("met" if self.met else "NOT met")
        return f"| {self.name} | {ms(self.candidate)} | {ms(self.baseline)} | {self.ratio:.2f}x | {verdict} |"


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
