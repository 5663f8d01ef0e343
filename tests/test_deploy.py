"""The deployment example in deploy/ holds together, checked offline (no image can be pulled or built here).

What would break a real `docker compose -f deploy/compose.yaml up --build`: the image's command using a flag
the CLI does not have, a build context missing a file the wheel needs, a secret written into the file instead
of read from the environment, nginx balancing to service names or ports that compose does not define, a health
check that never succeeds. Each is checked against the real thing: the CLI's own --help, a wheel built from
exactly what the Dockerfile copies, the health check's Python run against a loopback server, and `nginx -t`.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from .conftest import IN_CI, NOWHERE_PROXY, free_port

ROOT = Path(__file__).parent.parent
DEPLOY = ROOT / "deploy"
WHEELHOUSE = ROOT / ".wheelhouse"  # built by .ci/run
PORT = "8000"
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|KEY", re.IGNORECASE)
REQUIRED_VARIABLE = re.compile(
    r"^\$\{(\w+):\?[^}]*\}$"
)  # ${NAME:?message}: compose refuses to start without it


# -- reading the files ----------------------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, with continuation lines joined and comments dropped."""
    lines, current = [], ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        if not current and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        lines.append(current + raw)
        current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip()) for line in lines]


def instruction(name: str) -> list[str]:
    return [args for inst, args in dockerfile() if inst == name]


def image_command() -> list[str]:
    (cmd,) = instruction("CMD")
    return json.loads(cmd)  # exec form: no shell between the container's signals and the server


def healthcheck_command() -> list[str]:
    (check,) = instruction("HEALTHCHECK")
    return json.loads(check[check.index("CMD") + len("CMD") :])


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def registry_services() -> dict[str, dict]:
    """The services built from deploy/Dockerfile: the registry replicas."""
    services = compose()["services"]
    return {
        name: s
        for name, s in services.items()
        if (s.get("build") or {}).get("dockerfile") == "deploy/Dockerfile"
    }


def nginx_upstreams() -> dict[str, list[str]]:
    """upstream name -> its `server host:port` entries."""
    text = (DEPLOY / "nginx.conf").read_text()
    return {
        name: re.findall(r"^\s*server\s+([^\s;]+)", body, re.MULTILINE)
        for name, body in re.findall(r"\bupstream\s+([\w-]+)\s*\{(.*?)\}", text, re.DOTALL)
    }


def flag_values(command: list[str]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for i, word in enumerate(command):
        if word.startswith("--"):
            following = command[i + 1] if i + 1 < len(command) else None
            values[word] = None if following is None or following.startswith("--") else following
    return values


def serve_help() -> str:
    proc = subprocess.run([sys.executable, "-m", "models_registry", "serve", "--help"], capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# -- the image ------------------------------------------------------------------------------------------------


def test_the_image_runs_the_stateless_http_server_as_a_non_root_user() -> None:
    assert instruction("FROM") == ["python:3.11-slim"]
    users = instruction("USER")
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert image_command()[:2] == ["models-registry", "serve"]
    assert flag_values(image_command()) == {
        "--transport": "streamable-http", "--host": "0.0.0.0", "--port": PORT, "--stateless": None,
        "--log-format": "json",
    }  # fmt: skip
    assert instruction("EXPOSE") == [PORT]
    # It may fetch models.dev; the token is the operator's to give at run time, never baked in.
    env = " ".join(instruction("ENV"))
    assert "MODELS_REGISTRY_OFFLINE" not in env and "MODELS_REGISTRY_AUTH_TOKEN" not in env


def test_every_flag_the_deployment_passes_is_one_serve_accepts() -> None:
    usage = serve_help()
    accepted = set(re.findall(r"--[a-z][\w-]*", usage))
    choices = {
        flag: set(options.split(",")) for flag, options in re.findall(r"(--[\w-]+) \{([^}]*)\}", usage)
    }
    commands = {"deploy/Dockerfile CMD": image_command()}
    commands.update({f"compose service {name}": s["command"] for name, s in registry_services().items()})
    for where, command in commands.items():
        for flag, value in flag_values(command).items():
            assert flag in accepted, (
                f"{where} passes {flag}, which `models-registry serve --help` does not list"
            )
            if flag in choices:
                assert value in choices[flag], (
                    f"{where}: {flag} {value} is not one of {sorted(choices[flag])}"
                )


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = self.status if self.path == "/healthz" else 404
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[ThreadingHTTPServer, type[_Health]]]:
    handler = type("Health", (_Health,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_the_health_check_passes_on_200_from_healthz_and_fails_otherwise(health_server) -> None:
    server, handler = health_server
    command = healthcheck_command()
    assert command[0] == "python"  # no curl or wget in python:3.11-slim
    assert any(f"http://127.0.0.1:{PORT}/healthz" in word for word in command)

    def run(port: int) -> int:
        here = [sys.executable, *(w.replace(f"127.0.0.1:{PORT}", f"127.0.0.1:{port}") for w in command[1:])]
        # A proxy in the container's environment must not swallow the loopback check.
        env = {"PATH": "/usr/bin:/bin", "HTTP_PROXY": NOWHERE_PROXY, "http_proxy": NOWHERE_PROXY}
        return subprocess.run(here, env=env, capture_output=True, timeout=30, check=False).returncode

    port = server.server_address[1]
    assert run(port) == 0
    handler.status = 503  # not ready: unhealthy
    assert run(port) != 0
    assert run(free_port()) != 0  # nothing listening


def _dockerignored(relative: str, patterns: list[str]) -> bool:
    return any(
        fnmatch.fnmatch(part, p.removeprefix("**/"))
        for p in patterns
        for part in [relative, Path(relative).name]
    )


def test_the_build_context_holds_what_the_image_needs_and_ignores_the_rest() -> None:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]  # fmt: skip
    for heavy in (".git", ".venv", "node_modules", ".wheelhouse", ".pytest_cache", "server/__pycache__"):
        assert _dockerignored(heavy, patterns), f".dockerignore lets {heavy} into the build context"
    for copy in instruction("COPY"):
        source = copy.split()[0]
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which the repository lacks"
        assert not _dockerignored(source, patterns), (
            f".dockerignore drops {source}, which the Dockerfile copies"
        )


def test_a_wheel_built_from_what_the_image_copies_carries_the_snapshot_and_the_command(
    tmp_path: Path,
) -> None:
    """The Dockerfile's `pip install .` sees only the COPY'd files: build from exactly those, offline."""
    if not WHEELHOUSE.is_dir():
        if IN_CI:
            pytest.fail(".ci/run builds .wheelhouse before the tests")
        pytest.skip("no .wheelhouse (built by .ci/run) to build offline from")
    source = tmp_path / "src"
    source.mkdir()
    for copy in instruction("COPY"):
        *sources, destination = copy.split()
        for name in sources:
            target = source / (destination.removeprefix("./") if destination not in {".", "./"} else name)
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(ROOT / name, source / name)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index", "--find-links", str(WHEELHOUSE),
         "--disable-pip-version-check", "-w", str(tmp_path / "out"), str(source)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    (wheel,) = (tmp_path / "out").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "models_registry/snapshot/api.json" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "models-registry = models_registry.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


# -- the compose file -----------------------------------------------------------------------------------------


def test_compose_runs_postgres_two_registry_replicas_and_a_load_balancer() -> None:
    services = compose()["services"]
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"], "the database must live in a named volume"
    assert len(registry_services()) == 2
    balancers = [s for s in services.values() if str(s.get("image", "")).startswith("nginx:")]
    assert len(balancers) == 1
    assert f"{PORT}:{PORT}" in balancers[0]["ports"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in balancers[0]["volumes"]
    assert {n: d["condition"] for n, d in balancers[0]["depends_on"].items()} == dict.fromkeys(
        registry_services(), "service_healthy"
    )


def test_every_replica_reads_the_shared_database_and_the_token_from_the_environment() -> None:
    pg_env = compose()["services"]["postgres"]["environment"]
    for name, service in registry_services().items():
        env = service["environment"]
        url = re.fullmatch(r"postgresql://(\w+)@postgres:5432/(\w+)", env["MODELS_REGISTRY_STATE_URL"])
        assert url, f"{name}: MODELS_REGISTRY_STATE_URL must name the postgres service, no password: {env}"
        assert (url[1], url[2]) == (pg_env["POSTGRES_USER"], pg_env["POSTGRES_DB"])
        # asyncpg reads PGPASSWORD: any password works, unencoded, and the URL holds no secret.
        assert REQUIRED_VARIABLE.match(env["PGPASSWORD"])[1] == REQUIRED_VARIABLE.match(pg_env["POSTGRES_PASSWORD"])[1]
        assert REQUIRED_VARIABLE.match(env["MODELS_REGISTRY_AUTH_TOKEN"])[1] == "MODELS_REGISTRY_AUTH_TOKEN"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        # The replica runs the image's command, plus only the name clients reach nginx by.
        command = service["command"]
        assert command[: len(image_command())] == image_command()
        assert command[len(image_command()) :] == [
            "--allowed-host",
            "${MODELS_REGISTRY_PUBLIC_HOST:-localhost}",
        ]


def test_no_secret_is_written_into_the_compose_file() -> None:
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            if SECRET_NAME.search(key):
                assert REQUIRED_VARIABLE.match(value), (
                    f"{name}: {key} must be ${{VAR:?...}} from the environment"
                )
            for secret in re.findall(r"://[^:/@]+:([^@]*)@", value):
                assert REQUIRED_VARIABLE.match(secret), f"{name}: {key} has a literal password in its URL"


# -- the load balancer ----------------------------------------------------------------------------------------


def test_nginx_balances_across_exactly_the_replicas_compose_defines() -> None:
    text = (DEPLOY / "nginx.conf").read_text()
    (target,) = re.findall(r"proxy_pass\s+http://([\w-]+)\s*;", text)
    upstreams = nginx_upstreams()
    assert sorted(upstreams[target]) == sorted(f"{name}:{PORT}" for name in registry_services())
    assert re.search(rf"^\s*listen\s+{PORT}\s*;", text, re.MULTILINE)
    # Round robin (nginx's default): nothing pins a client to one replica.
    assert not re.search(r"^\s*(ip_hash|hash|least_conn|sticky)\b", text, re.MULTILINE)
    assert re.search(r"^\s*proxy_buffering\s+off\s*;", text, re.MULTILINE), (
        "streamed responses must not be buffered"
    )
    (read_timeout,) = re.findall(r"proxy_read_timeout\s+(\d+)([smh]?)\s*;", text)
    assert int(read_timeout[0]) * {"": 1, "s": 1, "m": 60, "h": 3600}[read_timeout[1]] >= 300
    assert re.search(r"proxy_set_header\s+Host\s+\$http_host\s*;", text), (
        "the server checks the client's Host"
    )


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    """`nginx -t`, offline. The replicas' names only resolve inside compose's network, so this copy points the
    upstream at 127.0.0.1 (the names themselves are checked above)."""
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        if IN_CI:  # .ci/run installs it
            pytest.fail("nginx missing in CI (.ci/run installs Debian's nginx)")
        pytest.skip("nginx not installed (apt-get install nginx)")
    text = (DEPLOY / "nginx.conf").read_text()
    for name in registry_services():
        text = re.sub(rf"\bserver\s+{re.escape(name)}:", "server 127.0.0.1:", text)
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    proc = subprocess.run([nginx, "-t", "-q", "-p", str(tmp_path), "-e", "stderr", "-c", str(conf),
                           "-g", f"pid {tmp_path / 'nginx.pid'};"], capture_output=True, text=True, timeout=60,
                          check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
