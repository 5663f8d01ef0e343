"""The picker's API over real HTTP: it runs the MCP tools, and only for the page that the server itself served.

A browser on another site can neither read it (no CORS) nor write through it: a foreign or
missing Origin gets 403, a form post (not JSON) 415, a rebinding Host 421; with a bearer
token, the page loads but every API call needs the token.
"""

import httpx2
import pytest

from .test_transports import http_server

JSON = {"Content-Type": "application/json"}


def post(base: str, tool: str, body: bytes = b"{}", **headers: str) -> httpx2.Response:
    return httpx2.post(f"{base}/api/tools/{tool}", content=body, headers={**JSON, **headers}, timeout=10)


def test_the_api_runs_the_tools_for_the_page_and_refuses_other_sites(tmp_path):
    with http_server(tmp_path, "streamable-http") as (base, _):
        origin = {"Origin": base}
        page = httpx2.get(base + "/", timeout=10)
        listed = post(base, "list_providers", **origin)
        saved = post(base, "set_default", b'{"model": "openai/gpt-5-mini", "role": "small"}', **origin)
        read_back = post(base, "get_default", b'{"role": "small"}', **origin)
        refused = {
            "foreign origin": post(
                base, "set_default", b'{"model": "openai/gpt-5", "role": "small"}', Origin="http://evil.example"
            ),
            "no origin": post(base, "list_providers"),
            "form post": httpx2.post(f"{base}/api/tools/set_default", data={"model": "x"}, headers=origin, timeout=10),
            "rebinding host": post(base, "list_providers", Host="evil.example", **origin),
            "unknown tool": post(base, "shutdown", **origin),
            "too big": post(base, "recommend_model", b'{"task": "' + b"x" * 70_000 + b'"}', **origin),
            "not an object": post(base, "list_providers", b"[1, 2]", **origin),
        }
        after = post(base, "get_default", b'{"role": "small"}', **origin)
    assert page.status_code == 200 and "default-src 'none'" in page.headers["content-security-policy"]
    assert listed.json()["structured"]["summary"] == "1 provider available, 1 API key configured"
    assert saved.json()["structured"]["model"] == "openai/gpt-5-mini"
    assert read_back.json()["structured"]["source"] == "stored (set_default)"
    codes = {name: response.status_code for name, response in refused.items()}
    assert codes == {
        "foreign origin": 403,
        "no origin": 403,
        "form post": 415,
        "rebinding host": 421,
        "unknown tool": 404,
        "too big": 413,
        "not an object": 400,
    }
    assert after.json()["structured"]["model"] == "openai/gpt-5-mini"  # the refused write changed nothing


def test_with_a_token_the_page_loads_but_the_api_needs_it(tmp_path):
    with http_server(tmp_path, "streamable-http", "--auth-token", "web-secret") as (base, _):
        origin = {"Origin": base}
        page = httpx2.get(base + "/", timeout=10)
        without = post(base, "list_providers", **origin)
        wrong = post(base, "list_providers", Authorization="Bearer nope", **origin)
        right = post(base, "list_providers", Authorization="Bearer web-secret", **origin)
    assert page.status_code == 200 and "web-secret" not in page.text
    assert (without.status_code, wrong.status_code, right.status_code) == (401, 401, 200)


@pytest.mark.parametrize("tool_error", [b'{"model": "openai/nope"}', b'{"model": 5}'])
def test_a_tool_error_is_a_json_answer_not_a_server_error(tmp_path, tool_error):
    with http_server(tmp_path, "streamable-http") as (base, _):
        answer = post(base, "get_model", tool_error, Origin=base)
    assert answer.status_code == 200 and answer.json()["is_error"] is True and answer.json()["text"]
