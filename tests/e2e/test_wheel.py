"""The built wheel carries the default pack: an installed practicebot finds it without the
source tree (as in a container)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_the_pack_and_finds_it_without_the_source_tree(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("practicebot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
    assert "bot/questions/websockets-realtime/pack.toml" in names
    assert sum(n.startswith("bot/questions/websockets-realtime/") and n.endswith(".md") for n in names) == 49
    assert "bot/storage/migrations/0001_initial.sql" in names

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD", "SLACK", "PRACTICEBOT"))}
    env["PYTHONPATH"] = str(tmp_path / "site")  # ahead of the editable install of the checkout
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"from {tmp_path / 'site' / 'bot' / 'questions' / 'websockets-realtime'}" in result.stdout
    assert "49 questions (20 beginner, 19 intermediate, 10 advanced)" in result.stdout
