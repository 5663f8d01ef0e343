"""Loopback stand-ins for the providers' model-listing endpoints and for local runtimes.

One Starlette app on 127.0.0.1 speaks every shape verification and detection use, each
under its own path prefix, and records every request's headers and query so a test can
prove where a key went (and where it did not):

    /openai/v1/models          OpenAI-compatible, Bearer
    /anthropic/v1/models       Anthropic, x-api-key + anthropic-version
    /google/v1beta/models      Google Generative Language, x-goog-api-key
    /{429,hang,garbage,huge,redirect}/v1/models   the faults (and /hang/api/tags)
    /attacker/v1/models        answers like OpenAI and keeps what it was sent
    /ollama/api/tags, /ollama/api/show           Ollama
    /lmstudio/api/v0/models, /lmstudio/v1/models LM Studio
    /llamacpp/v1/models        a llama.cpp / vLLM server

A key is accepted when it equals GOOD_KEY.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .conftest import _serve_in_thread

GOOD_KEY = "sk-good-0123456789abcdefghij"
HUGE_LISTING = 10_000


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    query: str


@dataclass
class FakeProviders:
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    hang_seconds: float = 30.0
    latency: float = 0.0  # added to every request: to see requests overlap, and for the benchmark
    in_flight: int = 0
    most_in_flight: int = 0  # the largest number of requests the fake held at once

    def base(self, prefix: str) -> str:
        return f"{self.url}/{prefix}"

    def seen_at(self, prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(f"/{prefix}/")]


def _listing(ids: list[str]) -> dict:
    return {"object": "list", "data": [{"id": i, "object": "model"} for i in ids]}


def _rejected(message: str, status: int = 401) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error"}}, status_code=status)


def build_app(state: FakeProviders) -> Starlette:
    async def record(request: Request) -> None:
        state.seen.append(Seen(request.url.path, dict(request.headers), request.url.query))
        if state.latency:
            state.in_flight += 1
            state.most_in_flight = max(state.most_in_flight, state.in_flight)
            await anyio.sleep(state.latency)
            state.in_flight -= 1

    async def openai(request: Request) -> Response:
        await record(request)
        given = request.headers.get("authorization", "")
        if given != f"Bearer {GOOD_KEY}":
            return _rejected(f"Incorrect API key provided: {given.removeprefix('Bearer ')}. Find your key at ...")
        return JSONResponse(_listing(["gpt-5", "gpt-5-mini", "gpt-4.1"]))

    async def anthropic(request: Request) -> Response:
        await record(request)
        if request.headers.get("x-api-key") != GOOD_KEY or not request.headers.get("anthropic-version"):
            return _rejected("invalid x-api-key", 401)
        return JSONResponse({"data": [{"id": "claude-sonnet-4-5", "type": "model"}], "has_more": False})

    async def google(request: Request) -> Response:
        await record(request)
        if request.headers.get("x-goog-api-key") != GOOD_KEY:
            return _rejected("API key not valid. Please pass a valid API key.", 400 if "key" in request.query_params else 403)
        return JSONResponse({"models": [{"name": "models/gemini-2.5-pro"}, {"name": "models/gemini-2.5-flash"}]})

    async def fault(request: Request) -> Response:
        await record(request)
        kind = request.url.path.split("/")[1]
        match kind:
            case "429":
                return JSONResponse({"error": {"message": "slow down"}}, status_code=429)
            case "hang":
                await anyio.sleep(state.hang_seconds)
            case "garbage":
                return Response(b"<html>gateway</html>", media_type="text/html")
            case "huge":
                return JSONResponse(_listing([f"model-{n:05d}" for n in range(HUGE_LISTING)]))
            case "redirect":
                return RedirectResponse(f"{state.url}/attacker/v1/models", status_code=307)
        return JSONResponse(_listing(["gpt-5"]))

    async def attacker(request: Request) -> Response:
        await record(request)
        return JSONResponse(_listing(["gpt-5"]))

    async def ollama_tags(request: Request) -> Response:
        await record(request)
        return JSONResponse({"models": [
            {"name": "llama3.2:latest", "model": "llama3.2:latest", "details": {"family": "llama", "parameter_size": "3.2B"}},
            {"name": "qwen2.5-coder:7b", "model": "qwen2.5-coder:7b", "details": {"family": "qwen2"}},
            {"name": "nomic-embed-text:latest", "model": "nomic-embed-text:latest", "details": {"family": "nomic-bert"}},
            {"name": "llava:13b", "model": "llava:13b", "details": {"family": "llama"}},
        ]})

    async def ollama_show(request: Request) -> Response:
        await record(request)
        name = (await request.json()).get("model")
        capabilities = {
            "llama3.2:latest": ["completion", "tools"],
            "qwen2.5-coder:7b": ["completion", "tools", "insert"],
            "nomic-embed-text:latest": ["embedding"],
            "llava:13b": ["completion", "vision"],
        }.get(name)
        if capabilities is None:
            return JSONResponse({"error": f"model '{name}' not found"}, status_code=404)
        context = {"nomic-embed-text:latest": 2048, "llava:13b": 4096}.get(name, 131072)
        return JSONResponse({"capabilities": capabilities, "model_info": {"general.architecture": "x", "x.context_length": context}})

    async def lmstudio_v0(request: Request) -> Response:
        await record(request)
        return JSONResponse({"object": "list", "data": [
            {"id": "qwen2.5-7b-instruct", "type": "llm", "max_context_length": 32768, "state": "loaded"},
            {"id": "text-embedding-nomic-embed-text-v1.5", "type": "embeddings", "max_context_length": 2048},
        ]})

    async def llamacpp(request: Request) -> Response:
        await record(request)
        return JSONResponse(_listing(["mistral-7b-instruct-v0.3.Q4_K_M.gguf"]))

    routes = [
        Route("/openai/v1/models", openai),
        Route("/anthropic/v1/models", anthropic),
        Route("/google/v1beta/models", google),
        Route("/attacker/v1/models", attacker),
        *[Route(f"/{kind}/v1/models", fault) for kind in ("429", "hang", "garbage", "huge", "redirect")],
        Route("/hang/api/tags", fault),  # a runtime that accepts the connection and never answers
        Route("/ollama/api/tags", ollama_tags),
        Route("/ollama/api/show", ollama_show, methods=["POST"]),
        Route("/lmstudio/api/v0/models", lmstudio_v0),
        Route("/llamacpp/v1/models", llamacpp),
    ]
    return Starlette(routes=routes)


def serve() -> Iterator[FakeProviders]:
    """Run the fake on 127.0.0.1 while the generator is open (use as a fixture body)."""
    state = FakeProviders()
    server, thread, port = _serve_in_thread(build_app(state))
    state.url = f"http://127.0.0.1:{port}"
    try:
        yield state
    finally:
        server.should_exit = server.force_exit = True
        thread.join(5)


