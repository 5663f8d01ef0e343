"""The texts behind the MCP prompts a user picks from a host's slash-command menu.

`pick_model` runs the recommendation for a task in words and hands the agent the top picks
with their reasons; `setup_keys` says which variables to set for the providers the user
names and where a desktop host takes them. Both read one `Registry` and show variable
NAMES only: a prompt's text lands in the conversation, so no value is ever filled in.
"""

from __future__ import annotations

import re

from .recommend import RecommendRequest
from .registry import Registry

__all__ = ["PICK_MODEL_PICKS", "complete_provider_list", "pick_model_text", "setup_keys_text", "split_providers"]

PICK_MODEL_PICKS = 3  # enough to choose from; the rest is a recommend_model call away
MAX_NAMED_PROVIDERS = 20  # a user names a few; a pasted list should not become a page
SEPARATORS = re.compile(r"[\s,;]+")


def pick_model_text(registry: Registry, task: str) -> str:
    """The recommendation for `task`, as a message asking the agent to use (or adjust) the first pick."""
    try:
        result = registry.recommend(RecommendRequest(task=task, limit=PICK_MODEL_PICKS))
    except (ValueError, LookupError) as exc:
        return f"I asked for a model for: {task}\nThe models-registry server could not answer: {exc}."
    head = [f"I need a model for: {task}"]
    if not result.recommendations:
        reason = result.message or "Nothing fits."
        return "\n".join([
            *head,
            f"The models-registry server found no callable model ({result.catalog}): {reason}",
            "Tell me what to relax, or use the setup_keys prompt if I have no provider keys set.",
        ])
    head.append(
        f"The models-registry server ranked these {result.kind} models among the ones I can call now, "
        f"for {result.category} tasks ({result.catalog}):"
    )
    for pick in result.recommendations:
        price = (
            f"${pick.input_cost:g} in / ${pick.output_cost:g} out per 1M tokens"
            if pick.input_cost is not None and pick.output_cost is not None
            else "price unknown"
        )
        head.append(f"{pick.rank}. {pick.model} ({pick.name}; {price}): {'; '.join(pick.reasons)}.")
    head += [f"How the task was read: {h.hint!r} -> {h.effect}." for h in result.applied_hints]
    head.append(
        f"Use {result.recommendations[0].model} unless my task rules it out; say in one line why. "
        "For details call get_model; to remember the choice call set_default; for other constraints "
        "(price caps, context, capabilities) call recommend_model."
    )
    return "\n".join(head)


def split_providers(text: str) -> list[str]:
    """'openai, anthropic groq' -> ['openai', 'anthropic', 'groq'] (lowercased, de-duplicated, in order)."""
    ids = [p.lower() for p in SEPARATORS.split(text) if p]
    return list(dict.fromkeys(ids))


def _provider_lines(registry: Registry, provider_id: str) -> tuple[list[str], list[str]]:
    """(lines for the reply, the variable names to show in the env example) for one named provider."""
    try:
        info = registry.provider(provider_id)
    except LookupError as exc:  # its message carries the close matches
        message = str(exc).strip("\"'")  # a KeyError's str() comes quoted
        return [f"- {message}"], []
    creds = registry.credentials(provider_id)
    label = f"{info.id} ({info.name})"
    settings = f" Optional settings it reads: {', '.join(creds.settings)}." if creds.settings else ""
    if not creds.needs_credential:
        return [f"- {label}: needs no key.{settings}"], []
    if creds.configured:
        return [f"- {label}: already configured via {', '.join(creds.satisfied_by)}.{settings}"], []
    if len(creds.alternatives) > 1:
        options = " | ".join(" + ".join(group) for group in creds.alternatives)
        line = f"- {label}: set one of: {options} (nearest: {' + '.join(creds.missing)})."
    else:
        line = f"- {label}: set {' + '.join(creds.missing)}."
    return [line + settings], creds.missing


def setup_keys_text(registry: Registry, providers: str) -> str:
    """Which variables to set for the named providers, and where a desktop host or a shell takes them."""
    named = split_providers(providers)
    if not named:
        popular = [p for p in ("openai", "anthropic", "google", "openrouter", "groq") if p in registry.catalog]
        return (
            "Name the providers to set up, comma- or space-separated, e.g. "
            f"'{', '.join(popular[:2]) or 'openai'}'. Known ids include: {', '.join(popular)}; "
            "the list_providers tool with available_only=false lists them all."
        )
    lines = [
        f"Help me set up API keys for: {', '.join(named[:MAX_NAMED_PROVIDERS])}.",
        "What the models-registry server reports (variable names only):",
    ]
    to_set: list[str] = []
    for provider_id in named[:MAX_NAMED_PROVIDERS]:
        provider_lines, missing = _provider_lines(registry, provider_id)
        lines += provider_lines
        to_set += [name for name in missing if name not in to_set]
    if len(named) > MAX_NAMED_PROVIDERS:
        lines.append(f"(and {len(named) - MAX_NAMED_PROVIDERS} more not shown: ask about them separately)")
    if to_set:
        example = ", ".join(f'"{name}": "<your {name}>"' for name in to_set)
        lines += [
            "Where to set them:",
            (
                "- Desktop host (Claude Desktop, Cursor, ...): in this server's entry of the host's MCP config "
                f'file, under "env": {{{example}}}, then restart the host. A desktop host passes only that '
                "env block, not the variables of your shell."
            ),
            (
                "- Terminal host or `models-registry serve` from a shell: export "
                f"{' '.join(f'{n}=...' for n in to_set)} in the shell that starts it."
            ),
        ]
    lines.append(
        "Explain these steps to me. Do not ask me to paste a key into this chat. Afterwards, call "
        "list_providers to check that the providers show as available."
    )
    return "\n".join(lines)


def complete_provider_list(registry: Registry, value: str) -> list[str]:
    """Completions for a comma/space-separated list of provider ids: the last word, completed.

    Providers without credentials come first: they are the ones a user sets up.
    """
    cut = max(value.rfind(sep) for sep in (",", " ", ";")) + 1
    done, prefix = value[:cut], value[cut:].lower()
    ordered = sorted(registry.providers(), key=lambda p: (p.available, p.id))
    return [done + p.id for p in ordered if p.id.startswith(prefix)]
