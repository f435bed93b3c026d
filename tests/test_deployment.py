"""The deployment files a new operator starts from: docker-compose.yml (two webhook workers on
PostgreSQL), the Dockerfile, its lock file and build context, and .env.example."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import yaml

from knowledge.settings import Settings

REPO = Path(__file__).resolve().parent.parent
DEPLOYMENT_ENV = {
    "POSTGRES_PASSWORD": "pg-password-of-the-test",
    "TEKSER_BOT_TOKEN": "123456:compose-token",
    "TEKSER_SECRET": "compose-secret-0123456789-0123456789",
    "TEKSER_WEBHOOK_URL": "https://bot.example.org/telegram",
    "TEKSER_WEBHOOK_SECRET": "compose-webhook-secret-0123456789-abcdef",
}
VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def compose_has_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    return probe.returncode == 0


def composed(tmp_path: Path) -> dict[str, Any]:
    """The compose file as `docker compose config` resolves it with DEPLOYMENT_ENV in .env, or
    (without the compose plugin) parsed and interpolated the same way."""
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in DEPLOYMENT_ENV.items()))
    if compose_has_plugin():
        shutil.copy(REPO / "docker-compose.yml", tmp_path / "docker-compose.yml")
        result = subprocess.run(
            ["docker", "compose", "config", "--format", "json", "--no-interpolate"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        document: dict[str, Any] = json.loads(result.stdout)
    else:
        document = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    text = json.dumps(document)
    missing = {name for name in VARIABLE.findall(text) if name not in DEPLOYMENT_ENV}
    assert not missing, f"the compose file uses variables .env.example lacks: {missing}"
    resolved = VARIABLE.sub(lambda m: DEPLOYMENT_ENV[m.group(1)], text)
    return dict(json.loads(resolved))


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def test_compose_runs_two_webhook_workers_on_its_postgresql(tmp_path: Path) -> None:
    services = composed(tmp_path)["services"]
    db, tekser = services["db"], services["tekser"]
    assert str(db["image"]).startswith("postgres:")
    assert "healthcheck" in db
    assert "db" in tekser["depends_on"]
    env = environment(tekser)
    assert env["TEKSER_WORKERS"] == "2"
    assert env["TEKSER_DATABASE_URL"].startswith("postgresql+psycopg://tekser:")
    assert "@db:5432/" in env["TEKSER_DATABASE_URL"]
    assert env["TEKSER_WEBHOOK_URL"].startswith("https://")
    for required in ("TEKSER_BOT_TOKEN", "TEKSER_SECRET", "TEKSER_WEBHOOK_SECRET"):
        assert env[required] == DEPLOYMENT_ENV[required]
    ports = [str(p.get("target", p)) if isinstance(p, dict) else str(p) for p in tekser["ports"]]
    assert any(p.endswith("8443") for p in ports)
    settings = Settings(_env_file=None, **{k[7:].lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    assert settings.workers == 2 and settings.webhook_url


def test_compose_variables_are_all_in_the_env_example() -> None:
    example = (REPO / ".env.example").read_text()
    compose = (REPO / "docker-compose.yml").read_text()
    for name in set(VARIABLE.findall(compose)):
        assert re.search(rf"^#?\s*{name}=", example, re.MULTILINE), name


def test_the_env_example_names_only_real_settings_and_loads() -> None:
    example = REPO / ".env.example"
    names = re.findall(r"^#?\s*(TEKSER_\w+)=", example.read_text(), re.MULTILINE)
    assert "TEKSER_BOT_TOKEN" in names and "TEKSER_SECRET" in names
    fields = {f"TEKSER_{name.upper()}" for name in Settings.model_fields}
    assert set(names) <= fields, set(names) - fields
    settings = Settings(_env_file=example)  # type: ignore[call-arg]
    assert settings.bot_token is None  # left empty: `tekser run` says where to get one


def test_the_image_checks_readyz_exposes_its_ports_and_installs_the_lock() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") :]
    assert "/readyz" in healthcheck.split("\n\n")[0]
    exposed = re.search(r"^EXPOSE (.+)$", dockerfile, re.MULTILINE)
    assert exposed is not None and {"8080", "8443"} <= set(exposed.group(1).split())
    assert "pip install --no-deps -r requirements.lock" in dockerfile
    assert "assert engine == 'onnx-int8'" in dockerfile  # the encoder step can fail the build
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", ".git", ".env"} <= set(ignored)


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_pins_every_dependency_of_the_image() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["semantic"]]
    names = {normalised(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0]) for spec in wanted}
    pinned = {
        normalised(line.split("==")[0])
        for line in (REPO / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    assert names <= pinned, f"`make lock` again: {sorted(names - pinned)} not in the lock"


def test_sqlite_side_files_are_not_committed() -> None:
    ignored = (REPO / ".gitignore").read_text().split()
    assert {"*.db", "*.db-wal", "*.db-shm"} <= set(ignored)
