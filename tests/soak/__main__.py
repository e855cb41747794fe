"""python -m tests.soak [--subscriptions N] [--kills K] [--seed S] [--platform discord|slack]
[--postgresql]: the long crash soak."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from tests.pg_server import running_server
from tests.soak.harness import SIDES, soak


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=200)
    parser.add_argument("--kills", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--platform", choices=sorted(SIDES), default="discord")
    parser.add_argument("--postgresql", action="store_true", help="on a PostgreSQL server started for it")
    parser.add_argument("--keep", type=Path, help="keep the database and run logs in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        if args.postgresql:
            with running_server() as server:
                result = asyncio.run(
                    soak(workdir, args.subscriptions, args.kills, args.seed, args.platform, server.url)
                )
        else:
            result = asyncio.run(soak(workdir, args.subscriptions, args.kills, args.seed, args.platform))
    for note in result.notes:
        print(note)
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
