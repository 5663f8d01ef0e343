"""The expert panel: would an experienced engineer accept recommend_model's picks?

This file owns the runner; tests/panel/scenarios.toml owns the scenarios (written independently of
the ranking code, from the catalogs and knowledge of the models). Each scenario sets exactly the
environment it names, asks the registry for a recommendation on one of three catalogs, and passes
only when all of these hold:

1. the #1 pick matches an `accept` pattern (for `expect_empty`: no picks, and a message; with no key
   set at all the message must say how to set a key);
2. no top-3 pick matches a `never_top3` pattern;
3. every top-3 pick has the scenario's `kind`;
4. no model appears twice in the top 3, judged by this file's own normaliser (`same_model_key`).

Catalogs: "snapshot" (the bundled api.json), "snapshot-nodates" (the same with release_date,
last_updated and knowledge removed from every model: the ranking must not need dates) and
"2026-05-21" (an older api.json).

Tests: the panel must accept at least 95% of the scenarios; other-kind and duplicate picks fail
outright; the scenario file must be well-formed. tests/panel/holdout.toml is a second panel of the
same shape, written later by another hand on credential sets and wordings the first one lacks, to
check that the ranking generalises: it must accept at least 90% (the bar an independent panel sets),
with the same absolute rules. For a per-scenario report run
`python -m tests.test_panel [--file tests/panel/holdout.toml] [id-substring ...]` from the repository root.
"""

from __future__ import annotations

import contextlib
import fnmatch
import gzip
import json
import re
import sys
import tempfile
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from models_registry.recommend import RecommendRequest
from models_registry.registry import Registry
from models_registry.settings import Settings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIOS_FILE = HERE / "panel" / "scenarios.toml"
HOLDOUT_FILE = HERE / "panel" / "holdout.toml"
HOLDOUT_THRESHOLD = 0.90
SNAPSHOT_FILE = ROOT / "snapshot" / "api.json"
OLD_CATALOG_FILE = HERE / "data" / "api-2026-05-21.json.gz"

CATALOGS = ("snapshot", "snapshot-nodates", "2026-05-21")
DATE_FIELDS = ("release_date", "last_updated", "knowledge")
KINDS = frozenset({
    "chat", "embedding", "image-generation", "speech-to-text", "text-to-speech", "realtime-voice",
    "audio-generation", "video-generation", "moderation", "rerank", "research-agent", "other",
})
# The request fields of the contract the rewrite keeps (`kind` is new): scenario args may use these.
REQUEST_FIELDS = frozenset({
    "capabilities", "input_modalities", "output_modalities", "min_context", "min_output", "max_input_cost",
    "max_output_cost", "expected_input_tokens", "expected_output_tokens", "optimize", "providers",
    "available_only", "include_preview", "limit", "kind",
})
TUPLE_FIELDS = frozenset({"capabilities", "input_modalities", "output_modalities", "providers"})
SCENARIO_KEYS = frozenset(
    {"id", "catalog", "env", "task", "args", "kind", "accept", "never_top3", "expect_empty", "why"}
)
CREDENTIAL_SETS = {  # the credential sets the panel must cover (AWS_REGION is a setting, left out here)
    "OpenAI only": {"OPENAI_API_KEY"},
    "Anthropic only": {"ANTHROPIC_API_KEY"},
    "OpenAI+Anthropic+Google": {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_GENERATIVE_AI_API_KEY"},
    "OpenRouter only": {"OPENROUTER_API_KEY"},
    "Groq only": {"GROQ_API_KEY"},
    "Bedrock only": {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"},
    "Mistral only": {"MISTRAL_API_KEY"},
    "DeepSeek only": {"DEEPSEEK_API_KEY"},
    "xAI only": {"XAI_API_KEY"},
    "Cerebras only": {"CEREBRAS_API_KEY"},
    "none": set(),
}
KNOWN_VARIABLES = set().union(*CREDENTIAL_SETS.values()) | {"AWS_REGION"}
TOP = 3
LIMIT = 5
THRESHOLD = 0.95


# --- the panel's own idea of "the same model" -------------------------------------------------

_REGION_PREFIX = re.compile(r"^(?:us-gov|us|eu|apac|au|jp|global|ca)\.")
_VENDOR_PREFIX = re.compile(
    r"^(?:anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|google|moonshot|moonshotai|minimax"
    r"|nvidia|writer|zai|xai|twelvelabs|stability|luma)\."
)
_SUFFIXES = (
    re.compile(r":[a-z][a-z-]*$"),  # OpenRouter variants: :free, :nitro, :thinking
    re.compile(r"@.*$"),  # Vertex-style @version
    re.compile(r"-v\d+:\d+$"),  # Bedrock -v1:0
    re.compile(r"-\d+:\d+$"),  # Bedrock -1:0
    re.compile(r"-v1$"),
    re.compile(r"-preview(?:-\d{2}-\d{2,4})?$"),
    re.compile(r"-latest$"),
    re.compile(r"-\d{4}-\d{2}-\d{2}$"),  # -YYYY-MM-DD
    re.compile(r"-\d{8}$"),  # -YYYYMMDD
    re.compile(r"-\d{4}$"),  # -MMDD / -YYMM
)


def same_model_key(ref: str) -> str:
    """One key for every offering of a model.

    'amazon-bedrock/us.anthropic.claude-opus-4-8', 'openrouter/anthropic/claude-opus-4.8' and
    'anthropic/claude-opus-4-8' share a key; so do a model and its dated snapshots, :free variants,
    Bedrock -v1:0 versions, -latest and -preview aliases.
    """
    model = ref.split("/", 1)[1] if "/" in ref else ref  # drop the provider id
    model = model.lower().lstrip("~").rsplit("/", 1)[-1]  # a reseller's 'lab/' prefix
    model = _REGION_PREFIX.sub("", model, count=1)
    model = _VENDOR_PREFIX.sub("", model, count=1)
    changed = True
    while changed:
        before = model
        for suffix in _SUFFIXES:
            model = suffix.sub("", model)
        changed = model != before
    model = re.sub(r"(?<=\d)[.p-](?=\d)", ".", model)  # 4-8 == 4.8 == 4p8
    return re.sub(r"(?<=\d)\.0$", "", model)  # claude-opus-4-0 == claude-opus-4


# --- scenarios -----------------------------------------------------------------------------------


def load_scenarios(path: Path = SCENARIOS_FILE) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        return tomllib.load(fh)["scenario"]


def request_for(scenario: Mapping[str, Any]) -> RecommendRequest:
    fields: dict[str, Any] = {"task": scenario["task"], "limit": LIMIT}
    for name, value in scenario.get("args", {}).items():
        fields[name] = tuple(value) if isinstance(value, list) or name in TUPLE_FIELDS else value
    return RecommendRequest(**fields)


def write_catalog(name: str, directory: Path) -> Path:
    """The catalog file a registry for `name` reads."""
    directory.mkdir(parents=True, exist_ok=True)
    if name == "snapshot":
        return SNAPSHOT_FILE
    if name == "snapshot-nodates":
        data = json.loads(SNAPSHOT_FILE.read_text(encoding="utf-8"))
        for entry in data.values():
            for model in (entry.get("models") or {}).values():
                for key in DATE_FIELDS:
                    model.pop(key, None)
        target = directory / "api-nodates.json"
        target.write_text(json.dumps(data), encoding="utf-8")
        return target
    if name == "2026-05-21":
        target = directory / "api-2026-05-21.json"
        target.write_bytes(gzip.decompress(OLD_CATALOG_FILE.read_bytes()))
        return target
    raise ValueError(f"unknown catalog {name!r}")


def build_registry(name: str, root: Path, env: dict[str, str]) -> Registry:
    """A registry on catalog `name`, reading credentials only from `env`; every file under `root`."""
    path = write_catalog(name, root / "catalog")
    settings = Settings(
        offline=True, catalog_file=path, cache_dir=root / "cache", state_dir=root / "state", config_file=None
    )
    return Registry(settings, env=env)


# --- judging ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    scenario: dict[str, Any]
    top: list[tuple[str, Any]] = field(default_factory=list)  # (model, kind) of the top 3
    message: str | None = None
    problems: list[str] = field(default_factory=list)  # everything that failed
    absolute: list[str] = field(default_factory=list)  # other-kind and duplicate picks: never allowed

    @property
    def id(self) -> str:
        return self.scenario["id"]

    @property
    def passed(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        picks = ", ".join(f"{model} [{kind}]" for model, kind in self.top) or "(no picks)"
        lines = [f"{'PASS' if self.passed else 'FAIL'} {self.id} ({self.scenario['catalog']}): {picks}"]
        lines += [f"    - {problem}" for problem in self.problems]
        if self.problems and self.message:
            lines.append(f"    message: {self.message}")
        return "\n".join(lines)


def _kind_name(kind: Any) -> Any:
    return getattr(kind, "value", kind)


def judge(scenario: Mapping[str, Any], recommendations: list[Any], message: str | None) -> Outcome:
    outcome = Outcome(dict(scenario), message=message)
    top = recommendations[:TOP]
    outcome.top = [(rec.model, _kind_name(getattr(rec, "kind", None))) for rec in top]
    if scenario.get("expect_empty"):
        if recommendations:
            outcome.problems.append(f"expected no picks, got {len(recommendations)}")
        if not (message or "").strip():
            outcome.problems.append("expected a message saying why nothing fits")
        elif not scenario["env"] and "key" not in message.lower():
            outcome.problems.append("with no key set the message must say how to set a key")
    elif not recommendations:
        outcome.problems.append("no picks")
    elif not any(fnmatch.fnmatchcase(top[0].model, pattern) for pattern in scenario["accept"]):
        outcome.problems.append(f"#1 pick {top[0].model} is not one the panel accepts")
    for model, _ in outcome.top:
        for pattern in scenario.get("never_top3", []):
            if fnmatch.fnmatchcase(model, pattern):
                outcome.problems.append(f"{model} in the top {TOP} matches never_top3 {pattern!r}")
    wanted = scenario.get("kind", "chat")
    for model, kind in outcome.top:
        if kind != wanted:
            outcome.absolute.append(f"{model} has kind {kind!r}, the task wants {wanted!r}")
    keys = Counter(same_model_key(model) for model, _ in outcome.top)
    for key, count in keys.items():
        if count > 1:
            same = [model for model, _ in outcome.top if same_model_key(model) == key]
            outcome.absolute.append(f"duplicate model in the top {TOP}: {', '.join(same)}")
    outcome.problems += outcome.absolute
    return outcome


def run_scenario(registry: Registry, env: dict[str, str], scenario: Mapping[str, Any]) -> Outcome:
    env.clear()
    env.update(scenario["env"])
    try:
        result = registry.recommend(request_for(scenario))
    except Exception as exc:  # noqa: BLE001 - a crash fails its scenario and the panel reports the rest
        outcome = Outcome(dict(scenario))
        outcome.problems.append(f"error: {type(exc).__name__}: {exc}")
        return outcome
    finally:
        env.clear()
    return judge(scenario, list(result.recommendations), result.message)


def run_panel(
    registry_for: Callable[[str], Registry], env: dict[str, str], scenarios: list[dict[str, Any]]
) -> list[Outcome]:
    return [run_scenario(registry_for(s["catalog"]), env, s) for s in scenarios]


def score_line(outcomes: list[Outcome]) -> str:
    accepted = sum(o.passed for o in outcomes)
    return f"panel: {accepted}/{len(outcomes)} accepted ({accepted / max(len(outcomes), 1):.0%})"


def failure_report(outcomes: list[Outcome], only_absolute: bool = False) -> str:
    failed = [o for o in outcomes if (o.absolute if only_absolute else not o.passed)]
    return "\n".join(o.describe() for o in failed)


@contextlib.contextmanager
def panel_home(root: Path, env: dict[str, str]) -> Iterator[Callable[[str], Registry]]:
    """Registries built on demand, one per catalog, with HOME and the XDG dirs under `root` meanwhile."""
    registries: dict[str, Registry] = {}

    def registry_for(catalog: str) -> Registry:
        if catalog not in registries:
            registries[catalog] = build_registry(catalog, root / catalog, env)
        return registries[catalog]

    with pytest.MonkeyPatch.context() as patch:
        for name in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
            patch.setenv(name, str(root / name.lower()))
        yield registry_for


def run_panels_in_temp_home(*panels: list[dict[str, Any]]) -> list[list[Outcome]]:
    """Each panel's outcomes, for callers outside pytest (`python -m tests.test_panel`, the benchmarks)."""
    env: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="panel-") as tmp, panel_home(Path(tmp), env) as registry_for:
        return [run_panel(registry_for, env, scenarios) for scenarios in panels]


# --- pytest ----------------------------------------------------------------------------------

_ENV: dict[str, str] = {}  # the registries read credentials from this mapping at every call


@pytest.fixture(scope="module")
def registry_for(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Registry]]:
    """One registry per catalog for the module, shared by both panels."""
    # Module fixtures are built before the autouse `isolated_env`, so panel_home keeps the user's files out.
    with panel_home(tmp_path_factory.mktemp("panel"), _ENV) as registry:
        yield registry


@pytest.fixture(scope="module")
def panel_outcomes(registry_for: Callable[[str], Registry]) -> list[Outcome]:
    """Every scenario, run once for the module."""
    return run_panel(registry_for, _ENV, load_scenarios())


@pytest.fixture(scope="module")
def holdout_outcomes(registry_for: Callable[[str], Registry]) -> list[Outcome]:
    return run_panel(registry_for, _ENV, load_scenarios(HOLDOUT_FILE))


def test_scenario_file_is_well_formed() -> None:
    scenarios = load_scenarios()
    ids = [s.get("id") for s in scenarios]
    assert len(scenarios) >= 90, f"only {len(scenarios)} scenarios"
    assert len(set(ids)) == len(ids), [i for i, n in Counter(ids).items() if n > 1]
    per_catalog = Counter(s.get("catalog") for s in scenarios)
    assert set(per_catalog) == set(CATALOGS), per_catalog
    assert per_catalog["snapshot-nodates"] >= 20 and per_catalog["2026-05-21"] >= 20, per_catalog
    catalogs = {
        "snapshot": json.loads(SNAPSHOT_FILE.read_text(encoding="utf-8")),
        "2026-05-21": json.loads(gzip.decompress(OLD_CATALOG_FILE.read_bytes())),
    }
    problems: list[str] = []
    for s in scenarios:
        sid = s.get("id")
        if not isinstance(sid, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", sid):
            problems.append(f"{sid!r}: id must be kebab-case")
        if unknown := set(s) - SCENARIO_KEYS:
            problems.append(f"{sid}: unknown keys {sorted(unknown)}")
        if not isinstance(s.get("task"), str) or not s["task"].strip():
            problems.append(f"{sid}: task missing")
        if not isinstance(s.get("why"), str) or not s["why"].strip():
            problems.append(f"{sid}: why missing")
        if s.get("kind", "chat") not in KINDS:
            problems.append(f"{sid}: unknown kind {s.get('kind')!r}")
        env = s.get("env")
        if not isinstance(env, dict) or set(env) - KNOWN_VARIABLES:
            problems.append(f"{sid}: env must name only known variables, got {env!r}")
        if unknown := set(s.get("args", {})) - REQUEST_FIELDS:
            problems.append(f"{sid}: unknown request fields {sorted(unknown)}")
        if (kind := s.get("args", {}).get("kind")) and kind not in KINDS:
            problems.append(f"{sid}: args.kind {kind!r} is not a kind")
        if s.get("expect_empty"):
            if s.get("accept"):
                problems.append(f"{sid}: expect_empty with accept patterns")
            continue
        if not s.get("accept"):
            problems.append(f"{sid}: accept is empty")
        raw = catalogs["2026-05-21" if s.get("catalog") == "2026-05-21" else "snapshot"]
        refs = [f"{p}/{m}" for p, entry in raw.items() for m in (entry.get("models") or {})]
        for pattern in s.get("accept", []):
            if not any(fnmatch.fnmatchcase(ref, pattern) for ref in refs):
                problems.append(f"{sid}: accept pattern {pattern!r} matches no model of its catalog")
    env_sets = {frozenset(set(s.get("env", {})) - {"AWS_REGION"}) for s in scenarios}
    for name, keys in CREDENTIAL_SETS.items():
        if frozenset(keys) not in env_sets:
            problems.append(f"no scenario for credential set {name}")
    regions = {s["env"].get("AWS_REGION") for s in scenarios if "AWS_ACCESS_KEY_ID" in s.get("env", {})}
    if not {"us-east-1", "eu-west-1"} <= regions:
        problems.append(f"Bedrock scenarios must cover us-east-1 and eu-west-1: {sorted(map(str, regions))}")
    assert not problems, "\n".join(problems)


def test_same_model_key_matches_offerings_of_one_model() -> None:
    same = [
        (
            "anthropic/claude-opus-4-8",
            "openrouter/anthropic/claude-opus-4.8",
            "amazon-bedrock/us.anthropic.claude-opus-4-8",
        ),
        (
            "anthropic/claude-haiku-4-5",
            "anthropic/claude-haiku-4-5-20251001",
            "amazon-bedrock/eu.anthropic.claude-haiku-4-5-20251001-v1:0",
        ),
        ("openai/gpt-4o", "openai/gpt-4o-2024-11-20"),
        (
            "openrouter/openai/gpt-oss-120b:free",
            "amazon-bedrock/openai.gpt-oss-120b-1:0",
            "groq/openai/gpt-oss-120b",
        ),
        ("x/kimi-k2p6", "openrouter/moonshotai/kimi-k2.6"),
        ("google/gemini-2.5-flash-lite", "openrouter/google/gemini-2.5-flash-lite-preview-09-2025"),
        ("mistral/mistral-medium-latest", "mistral/mistral-medium-2604"),
        ("amazon-bedrock/anthropic.claude-opus-4-6-v1", "openrouter/anthropic/claude-opus-4.6"),
        ("openrouter/~anthropic/claude-opus-latest", "x/claude-opus"),
    ]
    for group in same:
        assert len({same_model_key(ref) for ref in group}) == 1, group
    different = [
        "anthropic/claude-opus-4-8", "anthropic/claude-opus-4-7", "anthropic/claude-sonnet-5",
        "openai/gpt-5.5", "openai/gpt-5.5-pro", "openai/gpt-5-nano", "openai/gpt-5.4-nano",
        "openrouter/anthropic/claude-opus-4.8-fast",
    ]
    assert len({same_model_key(ref) for ref in different}) == len(different)


def test_expert_panel_accepts_at_least_95_percent(panel_outcomes: list[Outcome]) -> None:
    line = score_line(panel_outcomes)
    print(line)
    accepted = sum(o.passed for o in panel_outcomes)
    if accepted / len(panel_outcomes) < THRESHOLD:
        pytest.fail(f"{line}, below {THRESHOLD:.0%}\n{failure_report(panel_outcomes)}", pytrace=False)


def test_no_top3_has_another_kind_or_a_duplicate(panel_outcomes: list[Outcome], holdout_outcomes: list[Outcome]) -> None:
    outcomes = panel_outcomes + holdout_outcomes
    bad = [o for o in outcomes if o.absolute]
    if bad:
        report = failure_report(outcomes, only_absolute=True)
        summary = f"{len(bad)} scenarios put another kind or a duplicate in the top {TOP}"
        pytest.fail(f"{summary}:\n{report}", pytrace=False)


def test_holdout_panel_accepts_at_least_90_percent(holdout_outcomes: list[Outcome]) -> None:
    line = "holdout " + score_line(holdout_outcomes)
    print(line)
    accepted = sum(o.passed for o in holdout_outcomes)
    assert len(holdout_outcomes) >= 40, f"only {len(holdout_outcomes)} held-out scenarios"
    if accepted / len(holdout_outcomes) < HOLDOUT_THRESHOLD:
        pytest.fail(f"{line}, below {HOLDOUT_THRESHOLD:.0%}\n{failure_report(holdout_outcomes)}", pytrace=False)


# --- python -m tests.test_panel ---------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Print every scenario (or those whose id contains an argument) with its top 3, then the score."""
    wanted = list(argv if argv is not None else sys.argv[1:])
    path = SCENARIOS_FILE
    if "--file" in wanted:  # another scenario file of the same shape, e.g. a held-out panel
        at = wanted.index("--file")
        path = Path(wanted[at + 1])
        del wanted[at : at + 2]
    scenarios = [s for s in load_scenarios(path) if not wanted or any(w in s["id"] for w in wanted)]
    (outcomes,) = run_panels_in_temp_home(scenarios)
    for outcome in outcomes:
        print(outcome.describe())
    absolute = sum(bool(o.absolute) for o in outcomes)
    print(f"\n{score_line(outcomes)}; {absolute} with another kind or a duplicate in the top {TOP}")
    accepted = sum(o.passed for o in outcomes)
    return 0 if outcomes and accepted / len(outcomes) >= THRESHOLD and not absolute else 1


if __name__ == "__main__":
    sys.exit(main())
