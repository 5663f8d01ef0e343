"""recommend_model: picks an experienced engineer would take, with the reason for each.

To see why it picked X, follow the modules in the order they act:

- `task`: what the task's words ask for (kind, category, hard needs, preferences, optimize);
- `kinds`: what each model is for (chat, embedding, speech-to-text, ...), from catalog facts;
- `identity`: the model behind each offering (one pick per model, the right offering of it);
- `quality`: the model's score for the task's category, from `snapshot/quality.json` (built by
  `quality_sources` from public leaderboards) or estimated from its line;
- `candidates`: every offering flattened once per catalog, with its model's kind and scores;
- `filters`: the hard constraints, counted, and the closest relaxation when nothing fits;
- `ordering`: one pick per model at its best offering, ordered by `optimize`, with reasons.

Plain functions over a catalog: no I/O and no MCP. The README's "How recommend_model ranks"
describes these rules for users; keep the two in step.
"""

from .candidates import Candidate, CandidateTable, build_candidates
from .filters import KeyFacts
from .kinds import KINDS, kind_of
from .ordering import estimate_cost, recommend
from .quality import QualityTable
from .schema import (
    CAPABILITIES,
    MODALITIES,
    OPTIMIZE_MODES,
    AbsentInteger,
    AbsentNumber,
    AbsentText,
    AppliedHint,
    Optimize,
    Recommendation,
    RecommendRequest,
    RecommendResult,
)
from .task import read_task

__all__ = [
    "CAPABILITIES",
    "KINDS",
    "MODALITIES",
    "OPTIMIZE_MODES",
    "AbsentInteger",
    "AbsentNumber",
    "AbsentText",
    "AppliedHint",
    "Candidate",
    "CandidateTable",
    "KeyFacts",
    "Optimize",
    "QualityTable",
    "RecommendRequest",
    "RecommendResult",
    "Recommendation",
    "build_candidates",
    "estimate_cost",
    "kind_of",
    "read_task",
    "recommend",
]
