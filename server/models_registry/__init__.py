"""models-registry-mcp: which LLM providers and models an agent can call right now.

The public API is the anyio `Registry` over the models.dev `Catalog`; the MCP
server, the CLI and the web page are surfaces over it.
"""

# The one place the version lives (pyproject reads it): importlib.metadata costs ~30 ms at import.
__version__ = "0.1.0"

# Defined before these imports: sources.py names the version in its User-Agent.
from .catalog import Catalog, CatalogError, Model, Provider, parse_catalog
from .credentials import CredentialStatus, check_credentials
from .registry import Registry, UnknownModelError
from .settings import Settings

__all__ = [
    "Catalog",
    "CatalogError",
    "CredentialStatus",
    "Model",
    "Provider",
    "Registry",
    "Settings",
    "UnknownModelError",
    "__version__",
    "check_credentials",
    "parse_catalog",
]
