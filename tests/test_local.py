"""Local runtime detection against loopback stand-ins for Ollama, LM Studio and a llama.cpp server.

What each runtime reports becomes a provider entry in models.dev's shape that the catalog
schema accepts; a runtime that is down, slow or garbled is simply absent. The Registry,
CLI and recommend use of these entries is tested in tests/test_verify_surfaces.py.
"""

from __future__ import annotations

import pytest

from models_registry.catalog import parse_catalog
from models_registry.local import LocalServer, LocalSettings, detect_local
from models_registry.recommend.kinds import kind_of

from . import fake_providers

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake():
    yield from fake_providers.serve()


def settings_for(fake, **extra) -> LocalSettings:
    return LocalSettings(ollama=fake.base("ollama"), lmstudio=fake.base("lmstudio"), **extra)


async def test_ollama_models_carry_what_the_runtime_reports(fake):
    found = await detect_local(settings_for(fake))
    ollama = found["ollama"]
    assert ollama["env"] == [] and ollama["local"] is True and ollama["api"] == fake.base("ollama") + "/v1"
    models = ollama["models"]
    assert set(models) == {"llama3.2:latest", "qwen2.5-coder:7b", "nomic-embed-text:latest", "llava:13b"}
    assert models["llama3.2:latest"]["tool_call"] is True and models["llama3.2:latest"]["limit"]["context"] == 131072
    assert models["llava:13b"]["attachment"] is True and "image" in models["llava:13b"]["modalities"]["input"]
    assert kind_of("nomic-embed-text:latest", models["nomic-embed-text:latest"]) == "embedding"
    assert all(m["cost"] == {"input": 0, "output": 0} for m in models.values())


async def test_lm_studio_and_a_configured_server_are_found_and_parse_as_a_catalog(fake):
    server = LocalServer("llamacpp", fake.base("llamacpp") + "/v1", "llama.cpp")
    found = await detect_local(settings_for(fake, servers=(server,)))
    assert set(found) == {"ollama", "lmstudio", "llamacpp"}
    lmstudio = found["lmstudio"]["models"]
    assert lmstudio["qwen2.5-7b-instruct"]["limit"]["context"] == 32768
    assert kind_of("text-embedding-nomic-embed-text-v1.5", lmstudio["text-embedding-nomic-embed-text-v1.5"]) == "embedding"
    catalog = parse_catalog(found)
    assert catalog.skipped == [] and catalog.model_count == 4 + 2 + 1


async def test_the_catalogs_metadata_fills_in_what_lm_studio_does_not_say(fake):
    known = {"lmstudio": {"id": "lmstudio", "name": "LMStudio", "env": ["LMSTUDIO_API_KEY"], "doc": "https://lmstudio.ai/models",
                          "models": {"qwen2.5-7b-instruct": {"id": "qwen2.5-7b-instruct", "name": "Qwen 2.5 7B", "tool_call": True,
                                                              "release_date": "2024-09-19", "limit": {"context": 131072, "output": 8192}}}}}
    found = await detect_local(settings_for(fake), known)
    qwen = found["lmstudio"]["models"]["qwen2.5-7b-instruct"]
    assert qwen["tool_call"] is True and qwen["release_date"] == "2024-09-19"  # from the catalog
    assert qwen["limit"]["context"] == 32768 and qwen["cost"]["input"] == 0  # the runtime's word wins
    assert found["lmstudio"]["env"] == []  # the runtime answered: no key needed


async def test_runtimes_that_do_not_answer_are_absent(fake, refused_url):
    down = refused_url.rsplit("/", 1)[0]
    found = await detect_local(LocalSettings(ollama=down, lmstudio=fake.base("garbage"), timeout=0.5))
    assert found == {}
    fake.hang_seconds = 5
    assert await detect_local(LocalSettings(ollama=fake.base("hang"), lmstudio=down, timeout=0.3)) == {}
    assert await detect_local(LocalSettings(enabled=False, ollama=fake.base("ollama"))) == {}


def test_ollama_host_is_read_as_ollama_reads_it():
    assert LocalSettings.from_env({"OLLAMA_HOST": "127.0.0.1:7777"}).ollama == "http://127.0.0.1:7777"
    assert LocalSettings.from_env({"OLLAMA_HOST": "https://gpu.lan:443"}).ollama == "https://gpu.lan:443"
    assert LocalSettings.from_env({}).ollama == "http://127.0.0.1:11434"
