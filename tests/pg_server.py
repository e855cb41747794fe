"""A real PostgreSQL server in a temporary folder, as `pytest-postgresql` starts one: `initdb`, then
`pg_ctl start` on a free port and a private socket folder, `pg_ctl stop` at the end. `initdb`
refuses to run as root, so as root (CI) the server runs as the `postgres` user. A machine without
the server binaries gets them from Debian's packages when it runs as root, so CI never skips."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

START_WITHIN = 60  # seconds for initdb and for the server to accept connections
SERVER_USER = "postgres"  # who runs the server when the tests run as root


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    database: str

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"


def binaries() -> Path:
    """The folder with `initdb` and `pg_ctl`: on PATH, or Debian's /usr/lib/postgresql/N/bin
    (newest first), installed with apt-get when missing and this process is root."""
    found = _find()
    if found is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise RuntimeError("PostgreSQL's server binaries are needed: apt-get install postgresql")
        env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
            check=True, env=env, timeout=600,
        )  # fmt: skip
        found = _find()
        if found is None:
            raise RuntimeError("apt-get installed postgresql but no initdb was found")
    return found


def _find() -> Path | None:
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent  # /usr/local/bin may hold a link to initdb alone
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def running_server(database: str = "practicebot") -> Iterator[Server]:
    """A fresh cluster (trust authentication on 127.0.0.1 only, fsync off: it is thrown away),
    with one empty database; stopped and deleted on the way out."""
    bin_dir = binaries()
    folder = Path(tempfile.mkdtemp(prefix="practicebot-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER)
        shutil.chown(sockets, SERVER_USER)
    user, port = "practicebot", _free_port()
    try:
        subprocess.run(
            _as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", user, "--auth=trust",
                             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
            check=True, capture_output=True, timeout=START_WITHIN,
        )  # fmt: skip
        options = f"-h 127.0.0.1 -p {port} -k {sockets} -c fsync=off -c synchronous_commit=off"
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                             str(folder / "server.log"), "-w", "-t", str(START_WITHIN), "start"]),
            check=True, capture_output=True, timeout=START_WITHIN + 5,
        )  # fmt: skip
        try:
            subprocess.run(
                [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, database],
                check=True, capture_output=True, timeout=START_WITHIN,
            )  # fmt: skip
            yield Server("127.0.0.1", port, user, database)
        finally:
            subprocess.run(
                _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True, timeout=START_WITHIN,
            )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        log = folder / "server.log"
        said = (exc.stderr or b"").decode() + (log.read_text() if log.exists() else "")
        raise RuntimeError(f"PostgreSQL did not start: {' '.join(exc.cmd)}\n{said[-2000:]}") from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)
