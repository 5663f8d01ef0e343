"""The project's promises about itself: the README's commands are what CI runs, and the public API is pinned."""

import re
from pathlib import Path

import models_registry

ROOT = Path(__file__).parent.parent


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second():
    install_and_run, install_and_test = quick_start_commands()
    assert "models-registry" in install_and_run
    assert install_and_test in (ROOT / ".ci" / "run").read_text().splitlines()


def test_public_exports():
    assert models_registry.__all__ == [
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


def test_every_module_opens_with_a_docstring():
    for path in (ROOT / "server" / "models_registry").glob("*.py"):
        assert path.read_text().lstrip().startswith('"""'), path.name
