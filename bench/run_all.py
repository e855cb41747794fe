"""Run every benchmark, one after another, each in its own process, and write the table of their
figures into README.md between the markers (with the machine it ran on). Run it on a quiet
machine: the figures are only as good as the CPU time the bot gets.

    bench/all                      # every benchmark at full size, README updated
    bench/all fanout_discord board # some of them: the table is printed, README left alone
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, fmt, machine

BENCHMARKS = (
    "fanout_discord", "fanout_slack", "intake", "latency", "memory", "startup", "board", "sql_layers",
    "scrape", "fanout_postgres",
)  # fmt: skip
START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
README = ROOT / "README.md"


def run_one(name: str, folder: Path, extra: list[str]) -> dict[str, object]:
    """One benchmark as `python -m bench.NAME`; its output passes through, its figures come back."""
    result = folder / f"{name}.json"
    print(f"=== {name}", flush=True)
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", f"bench.{name}", "--json", str(result), *extra], cwd=ROOT)
    if code != 0 or not result.exists():
        return {"name": name, "failed": f"exit status {code}", "seconds": time.monotonic() - started}
    data: dict[str, object] = json.loads(result.read_text())
    data["seconds"] = time.monotonic() - started
    return data


def table(results: list[dict[str, object]], when: datetime) -> str:
    box = machine()
    lines = [
        f"Measured {when:%Y-%m-%d} on {box['cores']} cores ({box['cpu']}), Python {box['python']}, "
        f"{box['system']}, by `bench/all` against the emulators in `tests/emulators/`.",
        "",
        "| benchmark | size | result | ratio | goal | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        if "failed" in r:
            lines.append(f"| {r['name']} | | failed: {r['failed']} | | | no |")
            continue
        ratio = r.get("ratio")
        ratio_text = "" if ratio is None else f"{float(ratio):.2f} to {r['reference']}"  # type: ignore[arg-type]
        lines.append(
            f"| {r['name']} | {r['size']} | {fmt(float(r['value']))} {r['unit']} | {ratio_text} "  # type: ignore[arg-type]
            f"| {r['goal']} | {'yes' if r['met'] else '**no**'} |"
        )
    return "\n".join(lines)


def write_readme(text: str, readme: Path = README) -> None:
    """Replace what stands between the markers; refuse if they are missing."""
    content = readme.read_text(encoding="utf-8")
    head, start, rest = content.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise SystemExit(f"{readme}: the markers {START} and {END} are missing")
    readme.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parse = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parse.add_argument("names", nargs="*", metavar="NAME", help=f"some of: {', '.join(BENCHMARKS)}")
    args = parse.parse_args(argv)
    if unknown := [n for n in args.names if n not in BENCHMARKS]:
        parse.error(f"no benchmark {', '.join(unknown)}; there are: {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    when = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="practicebot-bench-all-") as folder:
        results = [run_one(name, Path(folder), []) for name in names]
    text = table(results, when)
    print(text)
    if names == list(BENCHMARKS):
        write_readme(text)
        print(f"table written to {README}")
    return 0 if all(r.get("met") for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
