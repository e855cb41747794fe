"""What the Docker image relies on, proven without a Docker engine: the Dockerfile's properties;
a wheel built from exactly what its first stage copies; that wheel installed into a fresh
virtual environment outside the source tree, where `practicebot check`, a terminal-channel
session and the HEALTHCHECK's `practicebot health` work with the built-in pack."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.config import load_config
from bot.ops.probe import PROBE_TIMEOUT
from bot.storage.migrate import LATEST_VERSION

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def stages() -> list[list[Instruction]]:
    """The Dockerfile's instructions, one list per stage; continuations joined, comments dropped."""
    logical: list[str] = []
    buffer = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        logical.append(buffer + line)
        buffer = ""
    found: list[list[Instruction]] = []
    for line in logical:
        keyword, _, args = line.strip().partition(" ")
        if keyword.upper() == "FROM":
            found.append([])
        found[-1].append(Instruction(keyword.upper(), " ".join(args.split())))
    return found


def of(stage: list[Instruction], keyword: str) -> list[str]:
    return [i.args for i in stage if i.keyword == keyword]


def copied_sources() -> list[str]:
    """What the build stage copies from the context."""
    build = stages()[0]
    return [source for args in of(build, "COPY") for source in shlex.split(args)[:-1]]


def test_the_dockerfile_builds_the_wheel_then_installs_only_that_wheel() -> None:
    build, final = stages()
    assert of(build, "FROM") == ["python:3.11-slim AS build"]
    assert of(final, "FROM") == ["python:3.11-slim"]
    [wheel] = of(build, "RUN")
    assert wheel.startswith("pip wheel ") and "--no-deps" in wheel and wheel.endswith(" .")
    assert all(args.startswith("--from=build ") for args in of(final, "COPY")), "the source tree stays out"
    installs = [args for args in of(final, "RUN") if "pip install" in args]
    assert installs == [  # with the dependencies at the versions CI tested
        'pip install --no-cache-dir -c /tmp/dist/constraints.txt "$(ls /tmp/dist/practicebot-*.whl)[postgresql]"'
        " && rm -rf /tmp/dist"
    ]
    assert "constraints.txt /dist/" in of(build, "COPY")


def test_the_image_runs_as_a_non_root_user_with_data_on_a_volume() -> None:
    final = stages()[1]
    [user] = of(final, "USER")
    uid = user.split(":")[0]
    assert uid not in ("root", "0")
    [create] = [args for args in of(final, "RUN") if "useradd" in args]
    assert f"--uid {uid}" in create
    assert "chown practicebot:practicebot /data" in create  # the volume starts writable for it
    [volume] = of(final, "VOLUME")
    assert json.loads(volume) == ["/data"]
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(of(final, "ENV"))))
    assert env["PRACTICEBOT_DATABASE"] == "/data/practicebot.sqlite3"
    assert env["PRACTICEBOT_HOST"] == "0.0.0.0"  # inside the container; compose publishes on loopback
    assert env["PRACTICEBOT_MONITORING"] == "1"
    config = load_config(None, env)  # the image's environment, read as the bot reads it
    assert str(config.database).startswith("/data/") and config.server.monitoring
    assert of(final, "WORKDIR") == ["/config"]  # ./practicebot.toml is found there when mounted
    assert of(final, "EXPOSE") == [str(config.server.port)]


def test_the_image_checks_health_and_stops_on_sigterm() -> None:
    final = stages()[1]
    [check] = of(final, "HEALTHCHECK")
    options, _, command = check.partition(" CMD ")
    assert json.loads(command) == ["practicebot", "health"]
    found = re.search(r"--timeout=(\d+)s", options)
    assert found is not None
    timeout = int(found[1])
    assert timeout > PROBE_TIMEOUT  # the probe gives up before Docker kills it
    assert "--start-period=" in options  # Discord's gateway may take a while to become ready
    assert of(final, "STOPSIGNAL") == ["SIGTERM"]
    # exec form: practicebot is PID 1 and gets the signal itself, no shell in between
    assert json.loads(of(final, "ENTRYPOINT")[0]) == ["practicebot"]
    assert json.loads(of(final, "CMD")[0]) == ["run"]


def test_the_build_context_holds_everything_the_first_stage_copies() -> None:
    ignored = [
        p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip() and p[0] != "#"
    ]
    sources = copied_sources()
    assert sources == ["pyproject.toml", "README.md", "bot", "questions", "constraints.txt"]
    for source in sources:
        assert (ROOT / source).exists()
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), f"{source} is ignored"


def test_compose_example_keeps_data_on_a_volume_and_passes_the_tokens_through() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    service = compose["services"]["practicebot"]
    assert service["build"] == "."
    assert "practicebot-data:/data" in service["volumes"]
    assert "practicebot-data" in compose["volumes"]
    defaults = load_config(None, {})
    for variable in (defaults.discord.token_env, defaults.slack.bot_token_env, defaults.slack.app_token_env):
        assert service["environment"][variable] == f"${{{variable}:-}}"  # from the host, never written here
    assert service["stop_grace_period"] == "10s"
    assert service["ports"] == [f"127.0.0.1:{defaults.server.port}:{defaults.server.port}"]


# ---------------------------------------------------------------- the wheel, installed elsewhere


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    home: Path  # an empty folder outside the source tree to run from

    def run(self, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / "practicebot"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.home,
            env=clean_env(**env),
            check=False,
        )


def clean_env(**extra: str) -> dict[str, str]:
    drop = ("DISCORD", "SLACK", "PRACTICEBOT", "PYTHON", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)} | extra


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Stage one: copy what the Dockerfile copies, run its `pip wheel`. Stage two: a fresh venv
    (not the project's), `pip install` the wheel and its dependencies from the package index."""
    work = tmp_path_factory.mktemp("image")
    context = work / "src"
    context.mkdir()
    for source in copied_sources():
        path = ROOT / source
        if path.is_dir():
            shutil.copytree(path, context / source, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, context / source)
    [wheel_command] = of(stages()[0], "RUN")
    args = [work / "dist" if a == "/dist" else a for a in shlex.split(wheel_command)]
    assert args[0] == "pip"
    built = subprocess.run(
        [sys.executable, "-m", *map(str, args)],
        cwd=context,
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (work / "dist").glob("practicebot-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120, env=clean_env())
    install = subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "-q",
            f"{wheel}[postgresql]",  # as the Dockerfile installs it
        ],  # dependencies from the index (or pip's cache)
        capture_output=True,
        text=True,
        timeout=600,
        env=clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1"),
        check=False,
    )
    assert install.returncode == 0, install.stderr
    home = work / "home"
    home.mkdir()
    return Installed(wheel, venv, home)


def test_the_wheel_ships_the_pack_and_the_migrations(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as archive:
        names = archive.namelist()
    assert "bot/questions/websockets-realtime/pack.toml" in names
    assert sum(n.startswith("bot/questions/websockets-realtime/") and n.endswith(".md") for n in names) == 49
    assert "bot/storage/migrations/0001_initial.sql" in names
    assert not any(n.startswith("tests/") for n in names)


def test_the_installed_bot_finds_its_pack_without_the_source_tree(installed: Installed) -> None:
    result = installed.run("check")
    assert result.returncode == 0, result.stderr
    site = (
        installed.venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    )
    assert f"from {site / 'bot' / 'questions' / 'websockets-realtime'}" in result.stdout
    assert "49 questions (20 beginner, 19 intermediate, 10 advanced)" in result.stdout
    assert str(ROOT) not in result.stdout


def test_the_installed_bot_migrates_a_postgresql_database(installed: Installed, postgres_url: str) -> None:
    """The image carries the PostgreSQL driver: a team past one host needs nothing more in it."""
    result = installed.run("db", "migrate", "--database", postgres_url)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip() == f"{postgres_url}: schema version {LATEST_VERSION} (latest {LATEST_VERSION})"
    )


def test_a_terminal_session_with_the_installed_bot(installed: Installed, tmp_path: Path) -> None:
    session = ["/practice subscribe 03:00 UTC sat", "/practice post-now", "reply a persistent socket"]
    session += ["/practice reveal-now", "/streaks"]
    result = installed.run(
        "run", "--database", str(tmp_path / "bot.sqlite3"), stdin="\n".join(session) + "\n"
    )
    assert result.returncode == 0, result.stderr
    assert "== What is WebSocket? ==" in result.stdout
    assert "== Model answer: What is WebSocket? ==" in result.stdout
    assert "current 1, best 1, total 1" in result.stdout


async def test_the_healthcheck_command_asks_the_running_installed_bot(
    installed: Installed, tmp_path: Path
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "practicebot.toml"
    config.write_text(f'[server]\nhost = "127.0.0.1"\nport = {port}\nmonitoring = true\n')
    env = clean_env(PRACTICEBOT_CONFIG=str(config), PRACTICEBOT_LOG_LEVEL="INFO")
    bot = await asyncio.create_subprocess_exec(
        str(installed.venv / "bin" / "practicebot"), "run", "--database", str(tmp_path / "bot.sqlite3"),
        cwd=installed.home, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert bot.stdin is not None and bot.stderr is not None
    try:
        async with asyncio.timeout(60):
            async for line in bot.stderr:  # the terminal channel waits on its input meanwhile
                if b"practicebot ready" in line:
                    break
        probe = await asyncio.to_thread(installed.run, "health", PRACTICEBOT_CONFIG=str(config))
        assert probe.returncode == 0, probe.stdout + probe.stderr
        assert "database: ok - " in probe.stdout
        assert "terminal: ok - n/a" in probe.stdout
    finally:
        bot.stdin.close()  # end of input: the terminal channel leaves, the bot exits
        await asyncio.wait_for(bot.wait(), timeout=30)
    assert bot.returncode == 0
