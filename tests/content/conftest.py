"""Fixtures for running the pack's code (see blocks.py for the interface).

npm packages: package.json + package-lock.json here pin what the blocks run against; they are
installed with `npm ci` once per lock file into .work/node-<hash>/ (git-ignored), so a fresh clone
(CI runs the README's test command and nothing else) installs them on its first content run. The
Python blocks' packages (requirements-blocks.txt) go the same way into .work/py-<hash>/, outside the
project's venv.
redis-server: the blocks that claim Redis behaviour run against a real one, started per module on a
free port; on a machine without it, it is installed from Debian's packages (`apt-get install
redis-server`, as root, which CI is) before the first such test.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.content.blocks import TIMEOUT, Node, Python

HERE = Path(__file__).resolve().parent
CACHE = HERE.parents[1] / ".work"


@pytest.fixture(scope="session")
def node_modules() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed to run the pack's code blocks")
    lock = (HERE / "package-lock.json").read_bytes()
    target = CACHE / f"node-{hashlib.sha256(lock).hexdigest()[:16]}"
    if not (target / "node_modules" / ".package-lock.json").exists():
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(HERE / name, target / name)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=target, check=True, timeout=300
        )
    return target / "node_modules"


@pytest.fixture(scope="session")
def python_packages() -> Path:
    """The pins in requirements-blocks.txt, installed once per file into .work/py-<hash>/."""
    pins = (HERE / "requirements-blocks.txt").read_bytes()
    target = CACHE / f"py-{hashlib.sha256(pins).hexdigest()[:16]}"
    if not (target / ".installed").exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--target", str(target), "-r", str(HERE / "requirements-blocks.txt")],
            check=True, timeout=300,
        )  # fmt: skip
        (target / ".installed").touch()
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    if shutil.which("redis-server") is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.fail("redis-server is needed (apt-get install redis-server)")
        env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "redis-server"],
            check=True, env=env, timeout=600,
        )  # fmt: skip
    port = _free_port()  # bound like Debian's stock redis.conf, so `localhost` reaches it over IPv4 or IPv6
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1 -::1"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout
    for line in proc.stdout:  # an event, not a sleep: redis says when it accepts connections
        if "Ready to accept connections" in line:
            break
    else:
        pytest.fail("redis-server did not start")
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep its log pipe from filling
    yield port
    proc.kill()
    proc.wait(timeout=TIMEOUT)


@pytest.fixture
def node(node_modules: Path, tmp_path: Path) -> Iterator[Node]:
    runner = Node(node_modules, tmp_path, {})
    yield runner
    runner.stop_all()


@pytest.fixture
def redis_node(node: Node, redis_port: int) -> Node:
    node.env["REDIS_PORT"] = str(redis_port)
    return node


@pytest.fixture
def python(python_packages: Path, tmp_path: Path) -> Iterator[Python]:
    runner = Python(python_packages, tmp_path, {})
    yield runner
    runner.stop_all()
