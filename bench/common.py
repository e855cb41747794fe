"""What the benchmarks share: the machine, the result line, percentiles, a `practicebot run`
subprocess watched line by line, seeding SQLite, and resident memory from /proc.

Every benchmark prints its figures and, last, one line `name: value unit (ratio R to REFERENCE)`.
With `--json FILE` it also writes its figures as JSON (bench/all reads them for the README table).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import platform
import re
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- the machine and the result


def machine() -> dict[str, str]:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": str(os.cpu_count() or 0),
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


@dataclass
class Outcome:
    """A benchmark's figures; `line()` is the last line it prints."""

    name: str
    value: float
    unit: str
    ratio: float | None
    reference: str
    goal: str
    met: bool
    size: str
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        ratio = "n/a" if self.ratio is None else f"{self.ratio:.2f}"
        return f"{self.name}: {fmt(self.value)} {self.unit} (ratio {ratio} to {self.reference})"

    def report(self, json_path: Path | None) -> None:
        print(f"size: {self.size}")
        for key, value in self.figures.items():
            print(f"  {key}: {fmt(value) if isinstance(value, float) else value}")
        for note in self.notes:
            print(f"  note: {note}")
        print(f"goal: {self.goal} -> {'met' if self.met else 'MISSED'}")
        if json_path is not None:
            data = {
                "name": self.name,
                "value": self.value,
                "unit": self.unit,
                "ratio": self.ratio,
                "reference": self.reference,
                "goal": self.goal,
                "met": self.met,
                "size": self.size,
                "figures": self.figures,
                "notes": self.notes,
                "line": self.line(),
            }
            json_path.write_text(json.dumps(data, indent=2, default=str))
        print(self.line(), flush=True)


def fmt(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def parser(description: str) -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(description=description)
    parse.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parse.add_argument("--workdir", type=Path, help="keep databases and logs here (default: a temp dir)")
    return parse


def measure(args: argparse.Namespace, benchmark: Callable[[Path], Coroutine[Any, Any, Outcome]]) -> int:
    """Run `benchmark` in the work directory the arguments name (or a temporary one) and print
    its report, the result line last."""
    with workdir(args.workdir) as work:
        outcome = asyncio.run(benchmark(work))
    outcome.report(args.json)
    return 0


def workdir(given: Path | None) -> contextlib.AbstractContextManager[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        return contextlib.nullcontext(given)
    return _temporary()


@contextlib.contextmanager
def _temporary() -> Any:
    with tempfile.TemporaryDirectory(prefix="practicebot-bench-") as name:
        yield Path(name)


@contextlib.contextmanager
def emulator_without_gc_pauses() -> Any:
    """The emulators run in the benchmark's process and stamp each request when their loop reads
    it; a collection of their growing records stalls that loop for up to 0.1 s, and the requests
    read after it look bunched to the rate limiter. The platforms have no such pause, so the
    benchmark process does not collect while it measures (the bot's own process is untouched)."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


# ---------------------------------------------------------------- processes


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD", "SLACK", "PRACTICEBOT"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


class Watched:
    """A subprocess whose standard error is read line by line, each line stamped with
    time.monotonic() on arrival (and copied to a log file)."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path, started: float) -> None:
        self.process = process
        self.log = log
        self.started = started
        self.lines: list[tuple[float, str]] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def launch(cls, argv: Sequence[str], env: dict[str, str], log: Path) -> Watched:
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=ROOT,
            env=env,
            preexec_fn=_die_with_parent,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            limit=1 << 20,
        )
        return cls(process, log, started)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        with self.log.open("w", buffering=1) as copy:
            while line := await self.process.stdout.readline():
                text = line.decode(errors="replace").rstrip("\n")
                self.lines.append((time.monotonic(), text))
                copy.write(text + "\n")
                self._changed.set()
        self._changed.set()

    async def wait_line(self, pattern: re.Pattern[str] | str, timeout: float = 60.0) -> float:  # noqa: ASYNC109
        """When the first line matching `pattern` arrived; raises if the process ends first."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for at, text in self.lines[seen:]:
                if regex.search(text):
                    return at
            seen = len(self.lines)
            if self._reader.done():
                tail = "\n".join(t for _, t in self.lines[-30:])
                raise RuntimeError(
                    f"process ended ({self.process.returncode}) before {regex.pattern!r}:\n{tail}"
                )
            self._changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                tail = "\n".join(t for _, t in self.lines[-30:])
                raise TimeoutError(f"no line {regex.pattern!r} within {timeout} s:\n{tail}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.5))

    def count(self, pattern: str) -> int:
        regex = re.compile(pattern)
        return sum(1 for _, text in self.lines if regex.search(text))

    def rss_kb(self) -> int:
        return rss_kb(self.process.pid)

    async def stop(self, timeout: float = 15.0) -> int:  # noqa: ASYNC109
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        done, _ = await asyncio.wait({self._reader}, timeout=5)
        if not done:
            self._reader.cancel()
        return self.process.returncode or 0


async def poll(predicate: Callable[[], Any], timeout: float, what: str, every: float = 0.1) -> Any:  # noqa: ASYNC109
    """Check `predicate` every `every` seconds (cheap for the emulator, whatever its size)."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {timeout:.0f} s")
        await asyncio.sleep(every)
    return value


def _die_with_parent() -> None:
    """In the child: SIGTERM when the benchmark dies, so no bot outlives an interrupted run."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


async def launch_bot(
    config: Path, database: Path | str, log: Path, *, env: dict[str, str] | None = None
) -> Watched:
    """`practicebot run` (as `python -m bot run`) with the given config and database."""
    return await Watched.launch(
        [sys.executable, "-m", "bot", "run", "--config", str(config), "--database", str(database)],
        env or clean_env(),
        log,
    )


def discord_config(path: Path, api_url: str, gateway_url: str, extra: str = "") -> Path:
    path.write_text(f'[discord]\napi_base_url = "{api_url}"\ngateway_url = "{gateway_url}"\n{extra}')
    return path


# ---------------------------------------------------------------- SQLite


async def create_schema(database: Path) -> None:
    """A new, empty practicebot database at the newest schema version (by the bot's own code)."""
    from bot.storage.sqlite import SqliteStore

    for stale in (
        database,
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)

    store = await SqliteStore.open(database)
    await store.close()


def iso(moment: Any) -> str:
    return str(moment.isoformat(timespec="microseconds"))


def insert_subscriptions(
    db: sqlite3.Connection,
    rows: Iterable[tuple[str, str, str]],
    *,
    post_time: str,
    schedule_from: str,
    days: str = "0,1,2,3,4,5,6",
    reveal_minutes: int = 480,
    timezone: str = "UTC",
    order: str = "shuffled",
) -> list[int]:
    """One active subscription per (platform, workspace, channel); returns their ids in order."""
    ids = []
    for platform_name, workspace, channel in rows:
        cursor = db.execute(
            "INSERT INTO subscriptions (platform, workspace_id, channel_id, post_time, timezone, days,"
            " reveal_minutes, levels, question_order, status, status_reason, schedule_from, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'beginner,intermediate,advanced', ?, 'active', '',"
            " ?, ?, ?)",
            (platform_name, workspace, channel, post_time, timezone, days, reveal_minutes, order,
             schedule_from, schedule_from, schedule_from),
        )  # fmt: skip
        assert cursor.lastrowid is not None
        ids.append(cursor.lastrowid)
    return ids


def question_ids() -> list[str]:
    """The ids of the built-in pack's questions."""
    from bot.config import load_config
    from bot.core.daily.questions import load_bank

    return [q.id for q in load_bank(load_config(None).packs).questions]


def all_posted(database: Path, expected: int) -> bool:
    """The bot has recorded `expected` posts as sent (read-only; the bot keeps writing)."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        (done,) = db.execute("SELECT COUNT(*) FROM posts WHERE status IN ('posted', 'revealed')").fetchone()
    return bool(done >= expected)


def timed(callback: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = callback()
    return value, time.perf_counter() - started
