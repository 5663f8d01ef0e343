"""Quality per model and task category: the bundled measured table, line estimates, and guesses.

`snapshot/quality.json` (built by quality_sources.py from public leaderboards, with each
source's URL and date) gives measured or fitted ratings on one scale, LM Arena's, per
column: general, coding, math, creative, instruction, long, vision, image. Every model
of a catalog then gets a `Score` per column, from the best basis it has:

1. **measured** (an arena rating) or **fitted** (another benchmark put on the arena's
   scale); a model is never scored below a measured predecessor of its own line;
2. **line**: a newer version of a measured line (same lab, same line: `claude-opus` 4.8
   after the measured 4.5) scores its best measured predecessor plus `LINE_STEP` per
   version between them (at most `MAX_STEPS`), with a wider uncertainty. Versions come
   from ids, so this works without release dates;
3. **variant**: a variant of a scored model (`gpt-5.5-pro` of `gpt-5.5`, `-codex`, `-chat`)
   scores that model adjusted by `VARIANTS`;
4. **guess**: a prior from the tier words and size in the id, below any measured or
   line-estimated model of the same tier, with a wide uncertainty.

No I/O: the table arrives as bytes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import orjson

from .identity import Identity, lab_of, parse_offering

__all__ = [
    "COLUMNS",
    "LINE_STEP",
    "Cell",
    "QualityTable",
    "Score",
    "SourceInfo",
    "score_models",
]

COLUMNS = ("general", "coding", "math", "creative", "instruction", "long", "vision", "image")
Basis = Literal["measured", "fitted", "line", "variant", "guess"]
BASIS_RANK = {"measured": 0, "fitted": 1, "line": 2, "variant": 3, "guess": 4}  # better-measured first
LINE_STEP = 15.0  # rating points per version step above a measured predecessor of the same line
MAX_STEPS = 3
STEP_UNCERTAINTY = 15.0
FLOOR_ANCHORS = {"image": "dall-e-3"}  # per column; others: FLOOR_ANCHOR
FLOOR_ANCHOR = "gpt-4-o-mini"  # the reference small model (2024-07): a cost pick must at least match it
# Variant suffix -> rating adjustment per column ('*' for the rest), relative to the model it varies.
VARIANTS: dict[str, dict[str, float]] = {
    "pro": {"*": 15.0},
    "max": {"*": 10.0},
    "ultra": {"*": 15.0},
    "codex": {"*": 0.0},  # outside coding, the coding-model penalty below applies
    "chat": {"*": -10.0},
    "turbo": {"*": 0.0},
    "thinking": {"math": 20.0, "coding": 10.0, "*": 5.0},  # the reasoning mode of a measured model
}
_STRONG = frozenset(["opus", "pro", "max", "ultra", "large", "plus", "premier", "deep"])
_LIGHT = frozenset(["mini", "nano", "lite", "flash", "haiku", "small", "tiny", "micro", "air"])
# A tier word's usual distance from its line's base model (arena: gpt-5 vs -mini -44, vs -nano -98;
# gemini-2.5-pro vs -flash -43, vs -flash-lite -72; glm-4.5 vs -air -38).
TIER_DELTAS = {
    "pro": 10.0,
    "max": 10.0,
    "ultra": 10.0,
    "plus": 0.0,
    "turbo": 0.0,
    "flash": -40.0,
    "air": -40.0,
    "lite": -30.0,
    "mini": -45.0,
    "nano": -95.0,
}
GUESS_BELOW_FLOOR = {"strong": -10.0, "mid": -30.0, "light": -50.0}
GUESS_UNCERTAINTY = 100.0
DEFAULT_FLOOR = 1300.0  # when the table has no anchor (an empty table)
_CODERS = frozenset({"codex", "coder", "code", "codestral", "devstral"})
CODER_PENALTY = 30.0  # a coding model's score outside coding, unless measured there


@dataclass(frozen=True, slots=True)
class Cell:
    """A rating in the table: value, 95% half-width, and the sources it came from."""

    value: float
    uncertainty: float
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SourceInfo:
    id: str
    title: str
    url: str
    date: str
    models: int
    mapped: int
    fit: dict[str, float] | None = None
    benchmarks_fitted: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class QualityTable:
    """Ratings by canonical model id and column, the lab of each model, and where the numbers came from."""

    built: str = ""
    sources: tuple[SourceInfo, ...] = ()
    labs: dict[str, str] = field(default_factory=dict)
    models: dict[str, dict[str, Cell]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: bytes) -> QualityTable:
        """The bundled quality.json; ValueError when it is not one."""
        try:
            doc = orjson.loads(data)
            models = {
                str(key): {
                    str(col): Cell(float(v[0]), float(v[1]), tuple(map(str, v[2]))) for col, v in row.items()
                }
                for key, row in doc["models"].items()
            }
            sources = tuple(SourceInfo(**s) for s in doc.get("sources", ()))
            labs = {str(k): str(v) for k, v in doc.get("labs", {}).items()}
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ValueError(f"not a quality table ({type(exc).__name__})") from None
        return cls(str(doc.get("built", "")), sources, labs, models)

    def to_json(self) -> bytes:
        doc = {
            "scale": "LM Arena rating (text with style control, vision, text-to-image); other sources fitted onto it",
            "built": self.built,
            "columns": list(COLUMNS),
            "sources": [s.to_json() for s in self.sources],
            "labs": dict(sorted(self.labs.items())),
            "models": {
                key: {col: [c.value, c.uncertainty, list(c.sources)] for col, c in row.items()}
                for key, row in sorted(self.models.items())
            },
        }
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"

    def floor(self, column: str) -> float:
        """The least rating a cost pick must reach in `column`: the anchor model's."""
        anchor = self.models.get(FLOOR_ANCHORS.get(column, FLOOR_ANCHOR), {})
        cell = anchor.get(column) or anchor.get("general")
        return cell.value if cell else 0.0

    @cached_property
    def _dates(self) -> dict[str, str]:
        return {s.id.split(":")[0]: s.date[:7] for s in self.sources if s.date}

    def describe(self, source: str) -> str:
        """A cell's source for a reader: 'LM Arena 2025-12', 'models.dev swe bench pro 2026-07', 'fitted from general'."""
        if source.startswith("fit:"):
            return f"fitted from {source[4:].split('->')[0]}"
        family, _, benchmark = source.partition(":")
        name = {"lmarena": "LM Arena", "aider-polyglot": "Aider polyglot", "models-dev": "models.dev"}.get(
            family, family
        )
        name = f"{name} {benchmark}" if benchmark else name
        date = self._dates.get("lmarena-text" if family == "lmarena" else family)
        return f"{name} {date}" if date else name

    def dates(self) -> str:
        return ", ".join(f"{s.id.split(':')[0]} {s.date}" for s in self.sources if ":" not in s.id and s.date)


@dataclass(frozen=True, slots=True)
class Score:
    """A model's quality in one column, and how it was obtained."""

    value: float
    uncertainty: float
    basis: Basis
    why: str

    @property
    def rank(self) -> int:
        return BASIS_RANK[self.basis]


def _cell_score(cell: Cell, table: QualityTable) -> Score:
    basis: Basis = "measured" if cell.sources and all(s == "lmarena" for s in cell.sources) else "fitted"
    return Score(cell.value, cell.uncertainty, basis, ", ".join(table.describe(s) for s in cell.sources))


def _tier(identity: Identity) -> str:
    words = set(identity.line.split("-"))
    sizes = [float(m.group(1)) for t in words if (m := re.fullmatch(r"(\d+(?:\.\d+)?)b", t))]
    if words & _LIGHT or (sizes and max(sizes) <= 12):
        return "light"
    if words & _STRONG or (sizes and max(sizes) >= 100):
        return "strong"
    return "mid"


def score_models(
    identities: Mapping[str, Identity], labs: Mapping[str, str], table: QualityTable
) -> dict[str, dict[str, Score]]:
    """A `Score` per column for every canonical model in `identities` (canonical id -> one of its identities)."""
    lab_by = {c: labs[c] for c in identities}
    lines: dict[tuple[str, str], list[tuple[tuple[float, ...], str]]] = defaultdict(list)
    for canonical, identity in identities.items():
        lines[(lab_by[canonical], identity.line)].append((identity.version, canonical))
    for canonical in table.models:  # measured models the catalog no longer lists still anchor their line
        if canonical not in identities:
            identity = parse_offering("", canonical)
            lines[(lab_of(identity, table.labs, ""), identity.line)].append((identity.version, canonical))

    out: dict[str, dict[str, Score]] = {}
    for canonical, identity in identities.items():
        row = table.models.get(canonical, {})
        scores: dict[str, Score] = {}
        for column in COLUMNS:
            own = _cell_score(row[column], table) if column in row else None
            estimate = _line_estimate(identity, lab_by[canonical], lines, table, column)
            if own is not None and estimate is not None:
                line, bonus = estimate
                # Never below a measured predecessor; a fit (a wider guess than a rating) never below the line's estimate.
                floor = line.value - bonus if own.basis == "measured" else line.value
                if floor > own.value:
                    own = Score(
                        floor,
                        max(own.uncertainty, line.uncertainty),
                        own.basis,
                        f"{own.why}; raised to the line's {line.why}",
                    )
            scores[column] = own or (estimate[0] if estimate else None)
            if scores[column] is None:
                del scores[column]
        out[canonical] = scores
    for canonical, identity in sorted(
        identities.items(), key=lambda kv: len(kv[0])
    ):  # variants read their base's
        scores = out[canonical]
        for column in COLUMNS:
            variant = _variant_estimate(canonical, identities, out, column)
            if variant is not None and (
                column not in scores or scores[column].rank > 1 and variant.value > scores[column].value
            ):
                scores[column] = variant
            if column not in scores:
                scores[column] = _guess(identity, column, table)
            elif (
                column != "coding"
                and _CODERS & set(identity.line.split("-"))
                and scores[column].basis != "measured"
            ):
                s = scores[column]
                scores[column] = Score(
                    s.value - CODER_PENALTY,
                    s.uncertainty,
                    s.basis,
                    f"{s.why}; {CODER_PENALTY:g} lower outside coding for a coding model",
                )
    _monotone(lines, out)  # last, over every basis: no model below an older one of its line
    return out


def _line_estimate(
    identity: Identity,
    lab: str,
    lines: Mapping[tuple[str, str], list[tuple[tuple[float, ...], str]]],
    table: QualityTable,
    column: str,
) -> tuple[Score, float] | None:
    """(score, the step bonus in it) from the best measured older model of the same line.

    With none, a line one tier word away (`deepseek-v` for `deepseek-v-pro`, `gemini-flash`
    for `gemini-flash-lite`) stands in, adjusted by `TIER_DELTAS`.
    """
    if not identity.version:
        return None
    found = _from_line(identity, lines.get((lab, identity.line), ()), table, column, 0.0, "")
    if found is not None:
        return found
    words = identity.line.split("-")
    for word in words:
        if word in TIER_DELTAS:
            base = "-".join(w for w in words if w != word)
            peers = [*lines.get((lab, base), ()), *lines.get((lab, identity.line), ())]
            if found := _from_line(
                identity, peers, table, column, TIER_DELTAS[word], f", {word} tier {TIER_DELTAS[word]:+g}"
            ):
                return found
    return None


def _from_line(
    identity: Identity,
    peers: Iterable[tuple[tuple[float, ...], str]],
    table: QualityTable,
    column: str,
    delta: float,
    note: str,
) -> tuple[Score, float] | None:
    peers = list(peers)
    older = [
        (v, c) for v, c in peers if v < identity.version and _measured(table.models.get(c, {}).get(column))
    ]
    if not older:
        return None
    best_version, best = max(older, key=lambda vc: table.models[vc[1]][column].value)
    cell = table.models[best][column]
    steps = min(
        len({v for v, _ in peers if best_version < v <= identity.version} | {identity.version}), MAX_STEPS
    )
    bonus = LINE_STEP * steps
    why = f"estimated from {best} ({_cell_score(cell, table).why}) + {steps} version step(s){note}"
    return Score(cell.value + bonus + delta, cell.uncertainty + STEP_UNCERTAINTY * steps, "line", why), bonus


def _measured(cell: Cell | None) -> bool:
    """An anchor for a line: an arena rating, or a column fitted from the model's own arena rating."""
    return cell is not None and "lmarena" in cell.sources


def _monotone(
    lines: Mapping[tuple[str, str], list[tuple[tuple[float, ...], str]]], out: dict[str, dict[str, Score]]
) -> None:
    """Along each line, by version: a model never scores below an older one (fits and estimates alike)."""
    for members in lines.values():
        ordered = sorted((v, c) for v, c in members if c in out and v)
        for column in COLUMNS:
            best: tuple[float, str] | None = None
            for _, canonical in ordered:
                score = out[canonical].get(column)
                if score is None:
                    continue
                if best is not None and score.value < best[0]:
                    out[canonical][column] = Score(
                        best[0], score.uncertainty, score.basis, f"{score.why}; not below the older {best[1]}"
                    )
                elif best is None or score.value > best[0]:
                    best = (score.value, canonical)


def _variant_estimate(
    canonical: str, identities: Mapping[str, Identity], out: Mapping[str, Mapping[str, Score]], column: str
) -> Score | None:
    base, _, suffix = canonical.rpartition("-")
    adjustments = VARIANTS.get(suffix)
    if not adjustments or base not in out or column not in out[base] or out[base][column].basis == "guess":
        return None
    if identities[base].version != identities[canonical].version:
        return None
    source = out[base][column]
    delta = adjustments.get(column, adjustments["*"])
    return Score(
        source.value + delta,
        source.uncertainty + 10.0,
        "variant",
        f"the {suffix} variant of {base} ({source.basis}: {source.why}) {delta:+g}",
    )


def _guess(identity: Identity, column: str, table: QualityTable) -> Score:
    """Below the column's floor (the reference small model), more so for lighter tiers: nothing measured."""
    tier = _tier(identity)
    value = (table.floor(column) or DEFAULT_FLOOR) + GUESS_BELOW_FLOOR[tier]
    return Score(value, GUESS_UNCERTAINTY, "guess", f"no rating: a guess from its {tier}-tier name")
