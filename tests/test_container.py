"""Dockerfile and compose.yaml (issue 17). Docker cannot run here, so what can be checked
without it is: the files parse, both services share one volume, every command they run
is a command tinbai's own parser accepts, the image copies every package pyproject.toml
installs, and the health check command really runs and answers 0 on a healthy folder."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from tinbai.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _instruction(name: str) -> list[str]:
    """The JSON (exec form) argument of a Dockerfile instruction, continuation lines joined."""
    text = _dockerfile().replace("\\\n", " ")
    match = re.search(rf"^{name}\s+(?:--\S+\s+)*(?:CMD\s+)?(\[.*\])\s*$", text, re.MULTILINE)
    assert match, f"no exec-form {name}"
    value = json.loads(match.group(1))
    assert isinstance(value, list)
    return [str(v) for v in value]


def test_compose_runs_run_and_serve_on_one_volume() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"run", "serve"}
    mounts = {tuple(s["volumes"]) for s in services.values()}
    assert mounts == {("tinbai-data:/srv/tinbai",)}
    assert set(compose["volumes"]) == {"tinbai-data"}
    parser = build_parser()
    for name, service in services.items():
        command = service["command"]
        assert command[0] == "tinbai"
        args = parser.parse_args(command[1:])
        assert args.command == name and args.config == "/srv/tinbai/config.yaml"
        health = service["healthcheck"]["test"]
        assert health[0] == "CMD" and health[1] == "tinbai"
        assert parser.parse_args(health[2:]).command == "doctor"
    assert services["serve"]["ports"] == ["127.0.0.1:8080:8080"]


def test_dockerfile_installs_every_package_and_checks_health() -> None:
    text = _dockerfile()
    python = re.search(r"^FROM python:(\d+)\.(\d+)", text, re.MULTILINE)
    assert python
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    low = project["project"]["requires-python"].removeprefix(">=")
    assert tuple(map(int, python.groups())) >= tuple(map(int, low.split(".")))
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    for package in packages:
        assert re.search(rf"^COPY {package} \./{package}$", text, re.MULTILINE), package
    parser = build_parser()
    assert parser.parse_args(_instruction("CMD")[1:]).command == "run"
    health = _instruction("HEALTHCHECK")
    assert parser.parse_args(health[1:]).command == "doctor"
    assert "USER tinbai" in text  # not root


def test_the_health_check_command_runs(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    for sub in ("new", "cur", "tmp"):
        (tmp_path / "inbox" / sub).mkdir()
    config = tmp_path / "config.yaml"
    config.write_text("mailboxes: [{name: t, url: 'maildir:inbox'}]\n"
                      "smtp: {url: 'maildir:outbox'}\ndata_dir: var\n", encoding="utf-8")
    command = _instruction("HEALTHCHECK")
    command[command.index("/srv/tinbai/config.yaml")] = str(config)
    done = subprocess.run([sys.executable, "-m", "tinbai.cli", *command[1:]],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    config.write_text("mailboxes: {}\n", encoding="utf-8")  # broken: unhealthy
    done = subprocess.run([sys.executable, "-m", "tinbai.cli", *command[1:]],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
