"""The user's config file (TOML): registry settings, provider and model overrides, defaults by role.

Read only: nothing here writes the file (remembered defaults live in a state file of
their own), so the user's comments and order always survive. Loading never raises and
never stops the server: each problem becomes a message naming the file, the line and
the key, and everything else in the file still applies. `apply_config` merges the
overrides over a catalog as one layer, re-applied after every refresh.

    [registry]
    ttl = 3600
    disabled_providers = ["xai"]

    [providers.openai]
    api = "https://llm-proxy.internal/v1"     # a base URL alone never makes a provider configured

    [providers.ollama]                          # a new id creates a custom provider
    name = "Ollama (local)"
    api = "http://localhost:11434/v1"
    env = []                                    # no credential needed

    [providers.ollama.models."qwen3:8b"]
    inherit = "alibaba/qwen3-8b"                # price, limits, capabilities, then these fields
    cost = { input = 0, output = 0 }

    [defaults]
    default = "anthropic/claude-sonnet-4-5"
    small = "ollama/qwen3:8b"

    env_file = "~/.config/models-registry/keys.env"
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .catalog import Catalog, Model
from .credentials import CredentialRule, url_placeholders

__all__ = ["ConfigFile", "UserConfig", "apply_config", "load_config"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegistrySection(_Strict):
    url: str | None = Field(None, description="Where to fetch api.json from.")
    ttl: int | None = Field(None, ge=0, description="Seconds before the catalog counts as stale.")
    offline: bool | None = Field(None, description="Never touch the network.")
    enabled_providers: list[str] | None = Field(None, description="Only these providers (when set).")
    disabled_providers: list[str] = Field(default_factory=list, description="Never these; wins over enabled.")
    local: bool | None = Field(None, description="Look for local runtimes (Ollama, LM Studio, [local.servers]).")
    verify_on_start: bool | None = Field(None, description="Check the keys set against the providers after start.")
    verify_ttl: int | None = Field(None, ge=0, description="Seconds a key check is trusted.")


class ProviderSection(_Strict):
    name: str | None = None
    api: str | None = Field(None, description="Base URL; may hold ${VAR} placeholders, shown as written.")
    env: list[str | list[str]] | None = Field(
        None, description="Credential variables: any one name, or any one group (a list) of names all set; [] = none."
    )
    npm: str | None = None
    doc: str | None = None
    models: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Models to add or override.")


class LocalServerSection(_Strict):
    url: str = Field(description="Base URL of an OpenAI-compatible server, ending in /v1 (llama.cpp, vLLM).")
    name: str | None = None


class LocalSection(_Strict):
    ollama: str | None = Field(None, description="Ollama's address (default OLLAMA_HOST, else 127.0.0.1:11434).")
    lmstudio: str | None = Field(None, description="LM Studio's address (default http://127.0.0.1:1234).")
    servers: dict[str, LocalServerSection] = Field(default_factory=dict, description="Your own servers, by provider id.")


class ConfigFile(_Strict):
    registry: RegistrySection = Field(default_factory=RegistrySection)
    local: LocalSection = Field(default_factory=LocalSection)
    providers: dict[str, ProviderSection] = Field(default_factory=dict)
    defaults: dict[str, str] = Field(default_factory=dict, description="role = 'provider/model'.")
    env_file: str | None = Field(None, description="A dotenv file read for credential detection only.")


@dataclass
class UserConfig:
    """A loaded config file: what applies, and what could not be used."""

    path: Path | None
    file: ConfigFile = field(default_factory=ConfigFile)
    problems: list[str] = field(default_factory=list)
    exists: bool = False
    text: str = ""

    @property
    def applies(self) -> bool:
        """False when nothing in the file is used: unreadable, invalid TOML, nested too deeply (see load_config)."""
        return not any(problem.endswith("; using none of it") for problem in self.problems)

    @cached_property
    def credential_rules(self) -> dict[str, CredentialRule]:
        """Rules for the providers whose `env` the config sets (overriding the catalog's)."""
        rules: dict[str, CredentialRule] = {}
        for provider_id, section in self.file.providers.items():
            if section.env is not None:
                groups = tuple((item,) if isinstance(item, str) else tuple(item) for item in section.env)
                rules[provider_id] = CredentialRule(groups=tuple(group for group in groups if group))
        return rules

    @cached_property
    def named_variables(self) -> frozenset[str]:
        """Every variable the user's config names (credential groups, ${VAR} in base URLs): the user
        wrote them, so credential checks may read them whatever they look like."""
        names = {name for rule in self.credential_rules.values() for group in rule.groups for name in group}
        for section in self.file.providers.values():
            names.update(url_placeholders(section.api, set()))
        return frozenset(names)

    def env_file_path(self) -> Path | None:
        if not self.file.env_file:
            return None
        try:
            path = Path(self.file.env_file).expanduser()
        except RuntimeError:  # "~nosuchuser/...": no such home directory
            path = Path(self.file.env_file)
        return path if path.is_absolute() or self.path is None else self.path.parent / path

    def where(self, loc: tuple[str | int, ...]) -> str:
        """'config.toml:12 providers.ollama.env': the file, line (when found) and key of a problem."""
        key = ".".join(str(part) for part in loc)
        line = _line_of(self.text, [str(part) for part in loc])
        return f"{self.path}:{line} {key}" if line else f"{self.path} {key}"


def load_config(path: Path | None) -> UserConfig:
    """The config at `path` (a missing file is an empty config); never raises."""
    if path is None:
        return UserConfig(None)
    config = UserConfig(path)
    try:
        config.text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config
    except (OSError, UnicodeDecodeError) as exc:
        config.problems.append(f"{path}: cannot read the config ({type(exc).__name__}); using none of it")
        return config
    config.exists = True
    try:
        document = tomllib.loads(config.text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        config.problems.append(f"{path}:{line.group(1) if line else '?'}: invalid TOML ({exc}); using none of it")
        return config
    except RecursionError:  # tomllib parses nested arrays and tables recursively: ~500 levels is its end
        config.problems.append(f"{path}: values nested too deeply to read; using none of it")
        return config
    try:
        config.file = _validate(config, document)
    except RecursionError:  # depth tomllib took but validation cannot
        config.problems.append(f"{path}: values nested too deeply to check; using none of it")
        config.file = ConfigFile()
    return config


def _validate(config: UserConfig, document: dict[str, Any]) -> ConfigFile:
    """The valid part of the document; each invalid key is dropped and reported."""
    for provider_id in list((document.get("providers") or {}) if isinstance(document.get("providers"), dict) else []):
        if "/" in provider_id:  # "a/b/model" would split at the first "/": the provider could never be named
            config.problems.append(f"{config.where(('providers', provider_id))}: a provider id cannot contain '/'")
            del document["providers"][provider_id]
    for _ in range(50):  # each pass drops the keys the last one found wrong
        try:
            return ConfigFile.model_validate(document)
        except ValidationError as exc:
            dropped: set[tuple[str | int, ...]] = set()
            for error in exc.errors(include_url=False, include_input=False):
                loc = _key_path(error["loc"])
                # A bad item drops its whole list: a shortened list could mean something else
                # (env = [] means "no credential needed", enabled_providers = [] means none).
                key = loc
                while key and isinstance(key[-1], int):
                    key = key[:-1]
                if key in dropped:
                    continue
                dropped.add(key)
                config.problems.append(f"{config.where(loc)}: {_message(error)}; {'.'.join(map(str, key))} ignored")
                _drop(document, key)
    return ConfigFile()


def _key_path(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """pydantic's location without the union branch names it adds ('str', 'list[str]')."""
    return tuple(part for part in loc if part not in ("str", "list[str]"))


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    return str(error["msg"])


def _drop(document: Any, loc: tuple[str | int, ...]) -> None:
    """Remove the value at `loc` so the rest of the file can still apply."""
    parent = document
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return
    try:
        del parent[loc[-1]]
    except (KeyError, IndexError, TypeError):
        pass


def _line_of(text: str, loc: list[str]) -> int | None:
    """The line of a key: after the header of its deepest table, the first line assigning it."""
    lines = text.splitlines()
    headers: dict[str, int] = {}
    for number, line in enumerate(lines):
        if match := re.match(r"\s*\[+([^\]]+)\]+", line):
            headers[_normal(match.group(1))] = number
    for depth in range(len(loc), -1, -1):
        table = ".".join(loc[:depth])
        start = headers.get(table, 0 if depth == 0 else None)
        if start is None:
            continue
        if depth == len(loc):
            return start + 1
        key = loc[depth]
        for number in range(start + (depth > 0), len(lines)):
            line = lines[number]
            if number > start and depth > 0 and re.match(r"\s*\[", line):
                break
            if re.match(rf'\s*"?{re.escape(key)}"?\s*[.=]', line):
                return number + 1
    return None


def _normal(header: str) -> str:
    return ".".join(part.strip().strip('"').strip("'") for part in re.split(r"\.(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", header))


# --- Applying the config to a catalog ---------------------------------------------------------


def apply_config(catalog: Catalog, config: UserConfig) -> tuple[Catalog, list[str]]:
    """The catalog with the config's providers, models and provider filters applied, and what failed."""
    problems: list[str] = []
    changes: dict[str, dict[str, Any] | None] = {}
    for provider_id, section in config.file.providers.items():
        changes[provider_id] = _provider_entry(catalog, config, provider_id, section, problems)
    registry = config.file.registry
    disabled = set(registry.disabled_providers)
    enabled = set(registry.enabled_providers) if registry.enabled_providers is not None else None
    for provider_id in [*catalog.provider_ids, *changes]:
        if provider_id in disabled or (enabled is not None and provider_id not in enabled):
            changes[provider_id] = None
    return catalog.overlay(changes), problems


def _provider_entry(
    catalog: Catalog, config: UserConfig, provider_id: str, section: ProviderSection, problems: list[str]
) -> dict[str, Any]:
    base = catalog.entry(provider_id) if provider_id in catalog else None
    entry: dict[str, Any] = dict(base) if base else {"id": provider_id, "name": provider_id, "models": {}}
    if base is None and section.env is None:  # a custom provider needs to say how it authenticates
        entry["env"] = [f"{re.sub(r'[^A-Z0-9]', '_', provider_id.upper())}_API_KEY"]
    for name in ("name", "api", "npm", "doc"):
        if (value := getattr(section, name)) is not None:
            entry[name] = value
    if section.env is not None:
        names = [name for item in section.env for name in ([item] if isinstance(item, str) else item)]
        entry["env"] = list(dict.fromkeys(names))
    models = dict(entry.get("models") or {})
    for model_id, fields in section.models.items():
        where = ("providers", provider_id, "models", model_id)
        model = _model_entry(catalog, models.get(model_id), model_id, dict(fields), config, where, problems)
        if model is not None:
            models[model_id] = model
    entry["models"] = models
    entry["source"] = "config"
    return entry


def _model_entry(
    catalog: Catalog,
    existing: dict[str, Any] | None,
    model_id: str,
    fields: dict[str, Any],
    config: UserConfig,
    where: tuple[str, ...],
    problems: list[str],
) -> dict[str, Any] | None:
    base = existing or {}
    if (inherit := fields.pop("inherit", None)) is not None:
        provider_id, _, inherited_id = str(inherit).partition("/")
        inherited = (catalog.entry(provider_id).get("models") or {}).get(inherited_id) if provider_id in catalog else None
        if inherited is None:
            problems.append(f"{config.where((*where, 'inherit'))}: no model {inherit!r} in the catalog to inherit from")
            return None
        base = inherited
    merged = _deep_merge(base, fields)
    merged["id"] = model_id
    merged.setdefault("name", model_id)
    merged["source"] = "config"
    try:
        Model.model_validate(merged)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        problems.append(f"{config.where((*where, *map(str, error['loc'])))}: {error['msg']}; model left out")
        return None
    return merged


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`base` with `override` on top; tables merge key by key, everything else is replaced."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
