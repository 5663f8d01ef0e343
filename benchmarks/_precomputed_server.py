"""The round-trip baseline for recommend_model: our own server, with every answer computed in advance.

    python benchmarks/_precomputed_server.py

The same tools, output schemas, validation, serialisation and stdio transport as
`models-registry serve`, but `Registry.recommend` returns a result it computed once per request: the difference
between the two servers' round trips is the ranking work alone (issue 12's figure).
"""

import gc
import sys
from functools import cache

import anyio

gc.disable()

from models_registry.mcp_server import build_server
from models_registry.recommend import RecommendRequest, RecommendResult
from models_registry.registry import Registry
from models_registry.settings import Settings
from models_registry.stdio import serve_stdio


class Precomputed(Registry):
    """A registry whose recommend answers are computed on the first request and then replayed."""

    @cache  # noqa: B019 - one instance for the life of the process
    def recommend(self, request: RecommendRequest) -> RecommendResult:
        return super().recommend(request)


if __name__ == "__main__":
    server = build_server(Precomputed(Settings.from_env()))
    gc.freeze()
    gc.enable()
    anyio.run(serve_stdio, server)
    sys.exit(0)
