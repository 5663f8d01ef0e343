"""Credential detection: which providers the user can call, judged from variable names.

A models.dev provider's `env` list mixes three meanings: alternatives (google:
any one of three key variables), joint requirements (azure: resource name and
key) and settings that are no credential (amazon-bedrock: AWS_REGION). This
module models each provider as groups of variables: a provider is configured
when every variable of one group is set to a non-empty value.

Secret values never leave this module: they are read only to test for
emptiness, and every result holds variable *names*. The environment is read
at each call, not once at import, so a key exported later is seen.

Precedence: the mapping passed in (the process environment by default) is the
only source here; the user-config layer merges an env_file under it.

A catalog may name any variable, so naming one must not become a way to learn whether
it is set (HOME, PATH, this server's own token). `ReadableNames` decides which names a
catalog's answer may depend on: those that look like credentials, those the bundled
catalog and the rules here name, and those the user's config names; never the server's
own MODELS_REGISTRY_* variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from pydantic import BaseModel, Field

__all__ = [
    "CredentialRule",
    "CredentialStatus",
    "ReadableNames",
    "check_credentials",
    "is_configured",
    "looks_like_credential",
    "rule_for",
    "set_variables",
    "url_placeholders",
]

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class CredentialRule:
    """How a provider authenticates: any one complete group of variables, plus settings.

    `groups` are alternatives, each a set of variables that must all be set; `settings`
    are variables the provider reads that are no credential (a region, an endpoint).
    """

    groups: tuple[tuple[str, ...], ...]
    settings: tuple[str, ...] = ()


def _any_of(*names: str) -> CredentialRule:
    return CredentialRule(groups=tuple((name,) for name in names))


def _all_of(*names: str, settings: Sequence[str] = ()) -> CredentialRule:
    return CredentialRule(groups=(names,), settings=tuple(settings))


_VERTEX = CredentialRule(
    groups=(
        ("GOOGLE_VERTEX_PROJECT", "GOOGLE_APPLICATION_CREDENTIALS"),
        ("GOOGLE_CLOUD_PROJECT", "GOOGLE_APPLICATION_CREDENTIALS"),
    ),
    settings=("GOOGLE_VERTEX_LOCATION", "GOOGLE_VERTEX_ENDPOINT"),
)

# Every provider in the catalog whose `env` lists more than one variable, spelled
# out. tests/test_credentials.py fails when a new snapshot brings one not listed.
KNOWN_RULES: dict[str, CredentialRule] = {
    "amazon-bedrock": CredentialRule(
        groups=(
            ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
            ("AWS_BEARER_TOKEN_BEDROCK",),
            ("AWS_PROFILE",),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"),
        ),
        settings=("AWS_REGION",),
    ),
    "azure": _all_of("AZURE_RESOURCE_NAME", "AZURE_API_KEY"),
    "azure-cognitive-services": _all_of(
        "AZURE_COGNITIVE_SERVICES_RESOURCE_NAME", "AZURE_COGNITIVE_SERVICES_API_KEY"
    ),
    "cloudflare-ai-gateway": _all_of("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_GATEWAY_ID"),
    "cloudflare-workers-ai": _all_of("CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_KEY"),
    "databricks": _all_of("DATABRICKS_HOST", "DATABRICKS_TOKEN"),
    "google": _any_of("GOOGLE_API_KEY", "GOOGLE_GENERATIVE_AI_API_KEY", "GEMINI_API_KEY"),
    "google-vertex": _VERTEX,
    "google-vertex-anthropic": _VERTEX,
    "neon": _all_of("NEON_AI_GATEWAY_BASE_URL", "NEON_AI_GATEWAY_TOKEN"),
    # The endpoint has a default (a local proxy); the key is the credential.
    "privatemode-ai": _all_of("PRIVATEMODE_API_KEY", settings=["PRIVATEMODE_ENDPOINT"]),
    "snowflake-cortex": _all_of("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_CORTEX_PAT"),
}


# Variables the bundled catalog names that do not look like credentials (a region, an account,
# a host). tests/test_credentials.py fails when a new snapshot names one not covered.
KNOWN_SETTINGS = frozenset({
    "AWS_REGION", "AZURE_COGNITIVE_SERVICES_RESOURCE_NAME", "AZURE_RESOURCE_NAME", "CLOUDFLARE_ACCOUNT_ID",
    "CLOUDFLARE_GATEWAY_ID", "DATABRICKS_HOST", "GOOGLE_VERTEX_ENDPOINT", "GOOGLE_VERTEX_LOCATION",
    "GOOGLE_VERTEX_PROJECT", "NEON_AI_GATEWAY_BASE_URL", "PRIVATEMODE_ENDPOINT", "SNOWFLAKE_ACCOUNT",
})
_RULE_NAMES = frozenset(
    name for rule in KNOWN_RULES.values() for group in (*rule.groups, rule.settings) for name in group
)
_CREDENTIAL_WORDS = frozenset({"KEY", "APIKEY", "TOKEN", "SECRET", "PASSWORD", "PAT", "CREDENTIAL", "CREDENTIALS"})
SERVER_PREFIX = "MODELS_REGISTRY_"


def looks_like_credential(name: str) -> bool:
    """OPENAI_API_KEY, HF_TOKEN, SNOWFLAKE_CORTEX_PAT: a word of the name says so (MONKEY does not)."""
    return any(word in _CREDENTIAL_WORDS for word in name.upper().split("_"))


class ReadableNames:
    """Which variables a credential check may read; every other name reads as unset.

    `trusted` are the names the user's config gives: the user wrote them, so they count
    whatever they look like. Answers are memoised: the same few dozen names come up in
    every query.
    """

    def __init__(self, trusted: AbstractSet[str] = frozenset()):
        self._trusted = frozenset(trusted)
        self._memo: dict[str, bool] = {}

    def __call__(self, name: str) -> bool:
        readable = self._memo.get(name)
        if readable is None:
            readable = self._memo[name] = not name.startswith(SERVER_PREFIX) and (
                name in self._trusted or name in _RULE_NAMES or name in KNOWN_SETTINGS or looks_like_credential(name)
            )
        return readable

    def filter(self, env: Mapping[str, str]) -> dict[str, str]:
        """The part of `env` a catalog's answers may depend on."""
        return {name: value for name, value in env.items() if self(name)}


def rule_for(provider_id: str, env_names: Sequence[str]) -> CredentialRule:
    """The credential rule of a provider: the explicit table, else its catalog `env` list.

    A provider missing from the table with several variables is taken to need all
    of them: a false "not configured" is safer than calling a provider that fails.
    An empty list means no credential is needed (a local server).
    """
    if provider_id in KNOWN_RULES:
        return KNOWN_RULES[provider_id]
    return CredentialRule(groups=(tuple(env_names),) if env_names else ())


class CredentialStatus(BaseModel):
    """Whether a provider has credentials, by variable names only (never values)."""

    configured: bool = Field(description="One complete group of credential variables is set (or none is needed).")
    needs_credential: bool = Field(description="False for providers that need no key, such as a local server.")
    satisfied_by: list[str] = Field(default_factory=list, description="Names of the variables that satisfied it.")
    missing: list[str] = Field(
        default_factory=list, description="Names still to set for the nearest group, when not configured."
    )
    alternatives: list[list[str]] = Field(default_factory=list, description="Every group that would satisfy it.")
    settings: list[str] = Field(default_factory=list, description="Variables read that are not credentials.")


def _is_set(env: Mapping[str, str], name: str) -> bool:
    return bool(env.get(name, "").strip())


def url_placeholders(template: str | None, set_names: AbstractSet[str]) -> dict[str, bool]:
    """The ${VAR} placeholders of a base URL and whether each variable is set: names only.

    Values are never filled in. Which variables hold secrets cannot be known (a URL may
    carry a password, a catalog entry may name any variable), so the URL is shown as
    written and an agent learns whether it is complete from this report.
    """
    if not template or "${" not in template:
        return {}
    return {name: name in set_names for name in dict.fromkeys(_PLACEHOLDER.findall(template))}


def is_configured(rule: CredentialRule, set_names: AbstractSet[str]) -> bool:
    """`check_credentials(...).configured` without the report, given the names of the variables set: for hot paths."""
    return not rule.groups or any(set_names.issuperset(group) for group in rule.groups)


def set_variables(env: Mapping[str, str]) -> set[str]:
    """The names of the variables set to a non-empty value."""
    return {name for name, value in env.items() if value.strip()}


def check_credentials(rule: CredentialRule, env: Mapping[str, str] | None = None) -> CredentialStatus:
    """Check one provider's rule against the environment (`os.environ` when None), names only."""
    env = os.environ if env is None else env
    settings = list(rule.settings)
    if not rule.groups:
        return CredentialStatus(configured=True, needs_credential=False, settings=settings)
    alternatives = [list(group) for group in rule.groups]
    nearest: list[str] | None = None
    for group in rule.groups:
        missing = [name for name in group if not _is_set(env, name)]
        if not missing:
            return CredentialStatus(
                configured=True,
                needs_credential=True,
                satisfied_by=list(group),
                alternatives=alternatives,
                settings=settings,
            )
        if nearest is None or len(missing) < len(nearest):
            nearest = missing
    return CredentialStatus(
        configured=False,
        needs_credential=True,
        missing=nearest or [],
        alternatives=alternatives,
        settings=settings,
    )
