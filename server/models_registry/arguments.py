"""The tools' argument types and bounds, shared by every surface.

The MCP tools declare their arguments with these, and the CLI checks its options against
the same ones through `check`, so both accept the same values and reject the rest with the
same message (pydantic's, which is what a tool call gets back). Nothing here imports the MCP
SDK: the CLI starts without it.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from .recommend.kinds import Kind
from .recommend.schema import Optimize

__all__ = [
    "MAX_MODEL_REF_CHARS",
    "MAX_OFFSET",
    "MAX_PAGE",
    "MAX_PICKS",
    "MAX_PRICE",
    "MAX_QUERY_CHARS",
    "MAX_ROLE_CHARS",
    "MAX_TASK_CHARS",
    "MAX_TOKENS",
    "Capability",
    "Kind",
    "Modality",
    "ModelRef",
    "Offset",
    "Optimize",
    "Picks",
    "Price",
    "Query",
    "Role",
    "Task",
    "Tokens",
    "check",
]

# Upper bounds on numeric arguments: far above any real value, and small enough that no
# arithmetic on them overflows or formats into a page of digits.
MAX_TOKENS = 10**9
MAX_PRICE = 10**6  # USD per 1M tokens
MAX_OFFSET = 10**6
MAX_PAGE = 500  # list_models' page size
MAX_PICKS = 50  # recommend_model's limit
# Text bounds: longer than any real value, short enough that an echo of it stays readable.
MAX_QUERY_CHARS = 200
MAX_TASK_CHARS = 2000
MAX_MODEL_REF_CHARS = 300
MAX_ROLE_CHARS = 32  # preferences.ROLE_PATTERN allows no more

Capability = Literal["tool_call", "reasoning", "attachment", "structured_output", "temperature", "open_weights"]
Modality = Literal["text", "image", "audio", "video", "pdf"]
Role = Annotated[str, Field(max_length=MAX_ROLE_CHARS, description="'default', 'small', or another lowercase name.")]

# The constraints of the tools' arguments, without their descriptions: what `check` applies.
Tokens = Annotated[int, Field(ge=0, le=MAX_TOKENS)]
Price = Annotated[float, Field(ge=0, le=MAX_PRICE)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
Picks = Annotated[int, Field(ge=1, le=MAX_PICKS)]
Query = Annotated[str, Field(max_length=MAX_QUERY_CHARS)]
Task = Annotated[str, Field(max_length=MAX_TASK_CHARS)]
ModelRef = Annotated[str, Field(max_length=MAX_MODEL_REF_CHARS)]


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)  # built on first use: a command checks two or three options at most


def check(kind: Any, value: str) -> Any:
    """`value` as typed on a command line, converted to `kind`; ValueError with the tool's message if it does not fit.

    Lax mode, as a tool call is validated: "128000" is an int, "lots" is not.
    """
    try:
        return _adapter(kind).validate_python(value)
    except ValidationError as exc:
        raise ValueError(exc.errors(include_url=False)[0]["msg"]) from None
