"""Regenerate the test catalogs in this folder from a full models.dev api.json.

    python tests/data/make_fixtures.py path/to/api.json path/to/older-api.json

mini-api.json is a small, real slice of the catalog (aliases and dated snapshots,
ids with '/', a deprecated model, multi-variable credentials); the older catalog
is kept whole, gzipped, to prove that earlier schemas still load.
"""

import gzip
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
SLICE = {
    "openai": ["gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4.1-mini", "gpt-4o", "gpt-4o-mini", "o3", "o4-mini", "text-embedding-3-small"],
    "anthropic": ["claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-haiku-4-5-20251001", "claude-opus-4-1"],
    "google": ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-3-pro-preview"],
    "azure": ["gpt-5", "gpt-4.1", "claude-sonnet-5"],
    "amazon-bedrock": None,  # first three
    "openrouter": ["anthropic/claude-haiku-4.5", "openai/gpt-oss-120b", "mistralai/devstral-2512", "openai/gpt-5"],
    "google-vertex": None,
    "cloudflare-workers-ai": None,
    "lmstudio": None,
    "groq": ["openai/gpt-oss-120b"],
}


def main(api_json: str, older_api_json: str) -> None:
    full = json.loads(Path(api_json).read_text())
    mini = {}
    for provider_id, model_ids in SLICE.items():
        provider = full[provider_id]
        models = provider["models"]
        keep = model_ids if model_ids is not None else list(models)[:3]
        mini[provider_id] = {**provider, "models": {m: models[m] for m in keep}}
    (HERE / "mini-api.json").write_text(json.dumps(mini, indent=1) + "\n")
    older = Path(older_api_json).read_bytes()
    (HERE / "api-2026-05-21.json.gz").write_bytes(gzip.compress(older, compresslevel=9, mtime=0))


if __name__ == "__main__":
    main(*sys.argv[1:3])
