"""The cold-start baseline: a bare MCPServer with one trivial `list_providers` tool, over stdio.

    python benchmarks/_bare_server.py [--gc-tuned] [--http PORT]

It pays only for Python, the MCP SDK and the stdio transport; `benchmarks.cold_start`
spawns it side by side with `models-registry serve`. With --gc-tuned it starts the way
`models-registry serve` does (no garbage collection until the server is built), for a
like-for-like figure of what the registry itself adds. With --http PORT it serves
streamable HTTP on 127.0.0.1:PORT (at /mcp) instead of stdio.
"""

import gc
import sys

GC_TUNED = "--gc-tuned" in sys.argv
if GC_TUNED:
    gc.disable()

from mcp.server.mcpserver import MCPServer

# WARNING, like `models-registry serve`: both servers keep stderr quiet.
server = MCPServer("bare", log_level="WARNING")


@server.tool()
def list_providers() -> dict:
    """A fixed answer: no catalog, no credentials."""
    return {"summary": "1 provider available, 1 API key configured", "providers": ["openai"]}


if __name__ == "__main__":
    if GC_TUNED:
        gc.freeze()
        gc.enable()
    if "--http" in sys.argv:
        port = int(sys.argv[sys.argv.index("--http") + 1])
        server.run("streamable-http", host="127.0.0.1", port=port)
    else:
        server.run()
