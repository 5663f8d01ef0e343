"""Runtime settings from environment variables and the config file, and where every file lives.

Each setting has one documented variable (see the README's configuration table); a
variable that is set wins over the config file's `[registry]` table. A malformed value
never stops the program: it falls back to the default and the problem is kept in
`Settings.problems`, which `status` reports.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from .config import RegistrySection

__all__ = ["DEFAULT_TTL_SECONDS", "DEFAULT_URL", "Settings"]

APP_NAME = "models-registry"
DEFAULT_URL = "https://models.dev/api.json"
DEFAULT_TTL_SECONDS = 24 * 3600
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Where the catalog comes from and where its files live."""

    url: str = DEFAULT_URL
    ttl_seconds: int = DEFAULT_TTL_SECONDS
    offline: bool = False
    catalog_file: Path | None = None
    cache_dir: Path = field(default_factory=lambda: Path(platformdirs.user_cache_dir(APP_NAME)))
    state_dir: Path = field(default_factory=lambda: Path(platformdirs.user_state_dir(APP_NAME)))
    config_file: Path | None = field(
        default_factory=lambda: Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"
    )
    local: bool = True  # look for Ollama, LM Studio and configured local servers
    verify_on_start: bool = False  # check the keys set against the providers, in the background after start
    verify_ttl_seconds: int = 3600  # how long a key check is trusted
    state_url: str | None = None  # postgresql://...: defaults shared by every process on one database
    stateless: bool = False  # streamable HTTP answers each request on its own (replicas behind a balancer)
    answer_max_age_seconds: float = 1.0  # how long a read-only tool's answer is kept while nothing changed; 0: never
    problems: tuple[str, ...] = ()
    set_by_env: frozenset[str] = frozenset()  # the fields a variable set; the config file cannot change them

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from MODELS_REGISTRY_* variables; unset or empty means the default."""
        env = os.environ if env is None else env
        problems: list[str] = []
        kwargs: dict = {}
        if url := env.get("MODELS_REGISTRY_URL", "").strip():
            kwargs["url"] = url
        if ttl := env.get("MODELS_REGISTRY_TTL", "").strip():
            try:
                kwargs["ttl_seconds"] = max(0, int(ttl))
            except ValueError:
                problems.append(f"MODELS_REGISTRY_TTL={ttl!r} is not a whole number of seconds; using 86400")
        kwargs["offline"] = env.get("MODELS_REGISTRY_OFFLINE", "").strip().lower() in _TRUE
        if catalog := env.get("MODELS_REGISTRY_CATALOG", "").strip():
            kwargs["catalog_file"] = Path(catalog).expanduser()
        if cache_dir := env.get("MODELS_REGISTRY_CACHE_DIR", "").strip():
            kwargs["cache_dir"] = Path(cache_dir).expanduser()
        if state_dir := env.get("MODELS_REGISTRY_STATE_DIR", "").strip():
            kwargs["state_dir"] = Path(state_dir).expanduser()
        if config := env.get("MODELS_REGISTRY_CONFIG", "").strip():
            kwargs["config_file"] = Path(config).expanduser()
        if "MODELS_REGISTRY_OFFLINE" not in env or not env["MODELS_REGISTRY_OFFLINE"].strip():
            kwargs.pop("offline")
        if max_age := env.get("MODELS_REGISTRY_ANSWER_MAX_AGE", "").strip():
            try:
                kwargs["answer_max_age_seconds"] = min(60.0, max(0.0, float(max_age)))
            except ValueError:
                problems.append(f"MODELS_REGISTRY_ANSWER_MAX_AGE={max_age!r} is not a number of seconds; using 1")
        if state_url := env.get("MODELS_REGISTRY_STATE_URL", "").strip():
            kwargs["state_url"] = state_url
        for name, field_name in (
            ("MODELS_REGISTRY_LOCAL", "local"),
            ("MODELS_REGISTRY_VERIFY", "verify_on_start"),
            ("MODELS_REGISTRY_STATELESS", "stateless"),
        ):
            if value := env.get(name, "").strip().lower():
                kwargs[field_name] = value in _TRUE
        if verify_ttl := env.get("MODELS_REGISTRY_VERIFY_TTL", "").strip():
            try:
                kwargs["verify_ttl_seconds"] = max(0, int(verify_ttl))
            except ValueError:
                problems.append(f"MODELS_REGISTRY_VERIFY_TTL={verify_ttl!r} is not a whole number of seconds; using 3600")
        return cls(problems=tuple(problems), set_by_env=frozenset(kwargs), **kwargs)

    def with_config(self, section: RegistrySection) -> Settings:
        """These settings with the config file's [registry] values where no variable set them."""
        values = {
            "url": section.url,
            "ttl_seconds": section.ttl,
            "offline": section.offline,
            "local": section.local,
            "verify_on_start": section.verify_on_start,
            "verify_ttl_seconds": section.verify_ttl,
        }
        changes = {name: value for name, value in values.items() if value is not None and name not in self.set_by_env}
        return replace(self, **changes) if changes else self

    @property
    def network_allowed(self) -> bool:
        """A file catalog or offline mode means the network is never touched."""
        return not self.offline and self.catalog_file is None
