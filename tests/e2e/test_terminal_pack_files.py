"""Pack files in the terminal channel, with `practicebot run` as a real subprocess in a folder of
its own: `/practice pack import PATH` reads a local file, and each path it cannot use is named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.core.shared.messages import ATTACHMENT_MAX_BYTES
from tests.conftest import clean_env

ROOT = Path(__file__).resolve().parents[2]


def run_in(folder: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    """The bot run from `folder` (its current directory), with this checkout's code."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--database", str(folder / "bot.sqlite3")],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
        env=clean_env(PYTHONPATH=str(ROOT)),
        check=False,
    )


def test_paths_the_import_cannot_use_are_each_named(tmp_path: Path) -> None:
    with (tmp_path / "huge.csv").open("wb") as big:
        big.truncate(ATTACHMENT_MAX_BYTES + 1)
    (tmp_path / "folder").mkdir()
    result = run_in(
        tmp_path,
        [
            "/practice pack import",
            "/practice pack import missing.csv",
            "/practice pack import folder",
            "/practice pack import huge.csv into=team",
            "/practice pack import a.csv b.csv",
            '/practice pack import "unclosed.csv',
            "/practice pack import missing.csv into=Not_A_Pack",
            ":quit",
        ],
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "give the pack file's path once: /practice pack import questions.csv [into=NAME]" in out
    assert "there is no file at missing.csv: give the pack file's path" in out
    assert "folder is not a file: give the path of the pack file itself" in out
    assert "huge.csv is 2.0 MB: a pack file may be at most 2 MB." in out
    assert "(got 2)" in out
    assert "cannot read that line: No closing quotation" in out
    assert "'Not_A_Pack' is not a pack id" in out  # the words are checked before the file is read
    assert "Traceback" not in result.stderr
