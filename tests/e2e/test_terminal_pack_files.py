"""Pack files in the terminal channel, with `practicebot run` as a real subprocess in a folder of
its own: `/practice pack import PATH` reads a local file, and each path it cannot use is named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.core.shared.messages import ATTACHMENT_MAX_BYTES
from tests.conftest import clean_env
from tests.e2e.pack_samples import GOOD_CSV, PARTLY_BAD_CSV, PROBLEMS

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


def test_an_import_reports_and_an_export_is_saved_without_overwriting_and_imports_again(
    tmp_path: Path,
) -> None:
    (tmp_path / "bad ports.csv").write_bytes(PARTLY_BAD_CSV)
    (tmp_path / "ports.csv").write_bytes(GOOD_CSV)
    (tmp_path / "networking.json").write_text("mine, not the bot's")
    result = run_in(
        tmp_path,
        [
            '/practice pack import "bad ports.csv" into=networking',
            "/practice pack export networking json",
            "/practice pack import ports.csv into=networking",
            "/practice pack export networking json",
            "/practice pack import networking-1.json",
            ":quit",
        ],
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Nothing imported from bad ports.csv (1 to add, 0 to update, 2 refused)" in out
    assert all(problem in out for problem in PROBLEMS)
    assert "no pack networking here" in out  # nothing of the partly bad file was kept
    assert "Imported ports.csv into networking: 2 added, 0 updated, 0 unchanged, 0 refused." in out
    saved = tmp_path / "networking-1.json"
    assert f"(saved as {saved})" in out
    assert (tmp_path / "networking.json").read_text() == "mine, not the bot's"  # never overwritten
    assert b"Why is TCP reliable?" in saved.read_bytes()
    assert "Imported networking-1.json into networking: 0 added, 0 updated, 2 unchanged" in out
    assert "Traceback" not in result.stderr
