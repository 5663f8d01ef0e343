"""Hard filters, in a fixed order, each counted in `excluded`; and the closest relaxation when nothing is left.

Only explicit arguments and what a task cannot do without filter (task.py decides which
words are which). Order: the providers named, the kind of model, credentials, keys the
provider rejected and models a verified key cannot see (only once keys were checked), never
deprecated, alpha/beta only with include_preview, Bedrock inference profiles of the user's
region, then capabilities, modalities, context, output, the expected input, price caps.
The kind comes before credentials so that, when no callable provider has that kind, the
answer names the providers that do. An unknown price is not free: a price cap excludes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from operator import attrgetter

from .candidates import Candidate, CandidateTable
from .identity import bedrock_regions_for
from .task import Plan

__all__ = ["NO_KEY_FACTS", "KeyFacts", "Step", "relaxation", "run", "steps_for"]


@dataclass(frozen=True)
class KeyFacts:
    """What checking the keys against the providers found (verify.py): empty until someone checks."""

    rejected: frozenset[str] = frozenset()  # providers that refused the key set for them
    listings: tuple[tuple[str, frozenset[str]], ...] = ()  # (provider, the model ids its key can see)


NO_KEY_FACTS = KeyFacts()


@dataclass(frozen=True)
class Step:
    label: str
    keep: Callable[[Candidate], bool]
    relax: Callable[[list[Candidate]], str] | None  # what to change, given the models it removed
    providers: frozenset[str] | None = None  # set when `keep` is "provider_id in providers"
    kind: str | None = None  # set when `keep` is "kind == kind"
    key: tuple | None = None  # what decides `keep`, beyond the label (which names its own numbers)


def steps_for(plan: Plan, available: frozenset[str], aws_region: str | None, keys: KeyFacts = NO_KEY_FACTS) -> list[Step]:
    steps: list[Step] = []
    if plan.providers:
        wanted = frozenset(plan.providers)
        steps.append(
            Step(
                "not in providers",
                lambda c: c.provider_id in wanted,
                lambda _: "drop the providers filter",
                wanted,
                key=("providers", wanted),
            )
        )
    kind = plan.kind
    article = "an" if kind[0] in "aeiou" else "a"
    steps.append(
        Step(f"not {article} {kind} model", lambda c: c.kind == kind, None, kind=kind, key=("kind", kind))
    )
    if plan.available_only:
        steps.append(
            Step(
                "no credentials set",
                lambda c: c.provider_id in available,
                _relax_credentials,
                available,
                key=("credentials", available),
            )
        )
    if keys.rejected:
        steps.append(
            Step(
                "key rejected by the provider",
                lambda c: c.provider_id not in keys.rejected,
                lambda _: "fix the key (verify_credentials says what the provider answered)",
                key=("rejected", keys.rejected),
            )
        )
    if keys.listings:
        listings = dict(keys.listings)
        steps.append(
            Step(
                "not in its key's model listing",
                lambda c: c.provider_id not in listings or c.model_id in listings[c.provider_id],
                lambda _: "ask the provider for access, or verify the key again",
                key=("listings", keys.listings),
            )
        )
    steps.append(Step("deprecated", lambda c: c.status != "deprecated", None, key=("deprecated",)))
    if not plan.include_preview:
        steps.append(
            Step(
                "preview (alpha/beta)",
                lambda c: c.status not in ("alpha", "beta"),
                lambda _: "include_preview=true",
                key=("preview",),
            )
        )
    regions = frozenset(r for r in bedrock_regions_for(aws_region) if r)
    steps.append(
        Step(
            "another region's Bedrock profile",
            lambda c: c.region is None or c.region in regions,
            lambda _: "set AWS_REGION to the region you call Bedrock in",
            key=("region", regions),
        )
    )
    for cap in plan.capabilities:
        steps.append(
            Step(
                "not served on this machine" if cap == "local" else f"lacks {cap}",
                lambda c, cap=cap: cap in c.capabilities,
                _relax_local if cap == "local" else (lambda _, cap=cap: f"drop capability {cap}"),
            )
        )
    for modality in plan.input_modalities:
        steps.append(
            Step(
                f"no {modality} input",
                lambda c, m=modality: m in c.inputs,
                lambda _, m=modality: f"drop input modality {m}",
            )
        )
    for modality in plan.output_modalities:
        steps.append(
            Step(
                f"no {modality} output",
                lambda c, m=modality: m in c.outputs,
                lambda _, m=modality: f"drop output modality {m}",
            )
        )
    for argument, minimum, attribute, label, note in (
        (
            "min_context",
            plan.min_context,
            "context",
            f"context below {plan.min_context:,}",
            "the largest left",
        ),
        (
            "min_output",
            plan.min_output,
            "max_output",
            f"output limit below {plan.min_output:,}",
            "the largest left",
        ),
        (
            "expected_input_tokens",
            plan.expected_input_tokens,
            "max_input",
            f"{plan.expected_input_tokens or 0:,} input tokens do not fit",
            "split the input",
        ),
    ):
        if minimum:
            steps.append(_at_least(argument, minimum, attribute, label, note))
    for side, cap in (("input", plan.max_input_cost), ("output", plan.max_output_cost)):
        if cap is not None:
            steps.append(
                Step(
                    f"{side} price over {cap:g} or unknown",
                    lambda c, side=side, cap=cap: (p := c.price(side)) is not None and p <= cap,
                    lambda removed, side=side: _relax_price(removed, side),
                    key=(side, cap),  # the label rounds the cap
                )
            )
    return steps


def _at_least(argument: str, minimum: int, attribute: str, label: str, note: str) -> Step:
    """A step keeping models whose `attribute` reaches `minimum`; relaxed to the largest value left."""
    value = attrgetter(attribute)
    return Step(
        label,
        lambda c: value(c) >= minimum,
        lambda removed: f"{argument} <= {max(value(c) for c in removed):,} ({note})",
    )


def _relax_credentials(removed: list[Candidate]) -> str:
    providers = sorted(
        {c.provider_id for c in removed},
        key=lambda p: (not any(c.first_party for c in removed if c.provider_id == p), p),
    )
    shown = ", ".join(providers[:5]) + (f" and {len(providers) - 5} more" if len(providers) > 5 else "")
    return f"set an API key for one of {shown} (see list_providers), or available_only=false"


def _relax_price(removed: list[Candidate], side: str) -> str:
    prices = [p for c in removed if (p := c.price(side)) is not None]
    if not prices:
        return f"drop max_{side}_cost: none of the models left has a known {side} price"
    # Rounded up, never down: catalog prices carry float noise (2.9000000000000004 -> 2.900001).
    cap = Decimal(min(prices)).quantize(Decimal("0.000001"), rounding=ROUND_CEILING).normalize()
    return f"max_{side}_cost >= {cap:f} (the cheapest left)"


def run(steps: list[Step], table: CandidateTable) -> tuple[list[Candidate], dict[str, int], int | None]:
    """Apply the steps in order: survivors, how many each removed, and the step that removed the last.

    The same steps give the same survivors, so the table keeps the outcome: a step's label names
    its numbers ("context below 200,000") and its key the sets it reads (credentials, regions).
    """
    key = tuple((step.label, step.key) for step in steps)
    if (cached := table.cached(key)) is None:
        cached = table.cache(key, _apply(steps, table, 0, table, {}, None))
    candidates, excluded, blocking = cached
    return candidates, dict(excluded), blocking


def _apply(
    steps: list[Step],
    table: CandidateTable,
    first: int,
    candidates: list[Candidate],
    excluded: dict[str, int],
    blocking: int | None,
) -> tuple[list[Candidate], dict[str, int], int | None]:
    for number, step in enumerate(steps, start=first):
        if step.providers is not None and isinstance(candidates, CandidateTable):
            kept: list[Candidate] = candidates.only(step.providers)  # slices, not 5k tests
        elif step.kind is not None and candidates is table:
            kept = table.of_kind(step.kind)  # built once per table and kind
        else:
            kept = [c for c in candidates if step.keep(c)]
        if removed := len(candidates) - len(kept):
            excluded[step.label] = excluded.get(step.label, 0) + removed
        if candidates and not kept:
            blocking = number
        candidates = kept
    return candidates, excluded, blocking


def _relax_local(_: list[Candidate]) -> str:
    return "start Ollama or LM Studio (no local runtime answered), or drop the wish to run it locally"


def relaxation(steps: list[Step], candidates: CandidateTable, blocking: int) -> str | None:
    """The closest change that gives an answer: the blocking constraint first, then each of the others."""
    order = [blocking, *(n for n in range(len(steps)) if n != blocking)]
    for number in order:
        step = steps[number]
        if step.relax is None:
            continue
        without = steps[:number] + steps[number + 1 :]
        survivors, _, _ = run(without, candidates)
        if survivors:
            removed = [c for c in survivors if not step.keep(c)]
            return step.relax(removed or survivors)
    return None
