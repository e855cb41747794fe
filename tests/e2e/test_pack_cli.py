"""`practicebot pack new|lint|import|export` as a user runs them: real subprocesses."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from bot.core.daily.questions import load_pack
from bot.storage.sqlite import SqliteStore
from tests.conftest import clean_env, write_pack
from tests.e2e.test_cli import cli

ROOT = Path(__file__).resolve().parents[2]


def test_new_makes_a_pack_that_lints_clean(tmp_path: Path) -> None:
    made = cli("pack", "new", "my-pack", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[:2] == [
        "wrote my-pack/pack.toml",
        "wrote my-pack/beginner/01-what-is-an-example.md",
    ]
    linted = cli("pack", "lint", "my-pack", cwd=tmp_path)
    assert linted.returncode == 0, linted.stderr
    assert linted.stdout.strip() == f"pack my-pack: 1 question (1 beginner) from {tmp_path / 'my-pack'}: ok"
    again = cli("pack", "new", "my-pack", cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip() == "practicebot: my-pack already exists and is not empty: choose another name"


def test_lint_names_every_problem_with_file_line_and_field(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "mine")
    broken = pack / "beginner" / "02-q.md"
    broken.write_text(broken.read_text().replace('tags = ["test"]', 'tags = ["Bad Tag"]'))
    result = cli("pack", "lint", str(pack), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{broken}:10: tags: must be 0 to 6 lowercase tags made of letters, digits and -" in result.stderr


def test_export_then_import_through_the_command_line_in_every_format(tmp_path: Path) -> None:
    original = load_pack(ROOT / "questions" / "websockets-realtime")
    for fmt in ("csv", "json", "yaml", "apkg"):
        exported = tmp_path / f"ws.{fmt}"
        result = cli("pack", "export", "websockets-realtime", "--output", str(exported), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"wrote 49 questions to {exported} ({fmt})"
        into = tmp_path / fmt / "websockets-realtime"
        imported = cli("pack", "import", str(exported), "--into", str(into), cwd=tmp_path)
        assert imported.returncode == 0, imported.stderr
        assert imported.stdout.strip() == (
            f"imported into pack websockets-realtime at {into}: 49 added, 0 updated, 0 unchanged, 0 refused"
        )
        assert load_pack(into).questions == original.questions
        again = cli("pack", "import", str(exported), "--into", str(into), cwd=tmp_path)
        assert "0 added, 0 updated, 49 unchanged, 0 refused" in again.stdout


def test_a_refused_import_exits_1_names_the_rows_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("level,title,summary,answer\nbeginner,A title,,An answer\nexpert,B,C,D\n")
    result = cli("pack", "import", str(source), "--into", "new-pack", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "practicebot: nothing imported (0 to add, 0 to update, 2 refused): 4 problem(s)"
    assert f"{source}:2 (row 2): summary: required field is missing" in lines
    assert (
        f"{source}:3 (row 3): level: must be one of beginner, intermediate, advanced (got 'expert')" in lines
    )
    assert f"{source}:3 (row 3): key_points: must be a list of 1 to 6 non-empty strings" in lines
    assert not (tmp_path / "new-pack").exists()


def test_without_the_packs_extra_yaml_and_anki_say_what_to_install(tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['genanki'] = None; sys.modules['yaml'] = None\n"
        "from bot.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    for suffix, what in ((".apkg", "Anki"), (".yaml", "YAML")):
        result = subprocess.run(
            [sys.executable, "-c", script, "pack", "export", "websockets-realtime", "--output", f"x{suffix}"],
            capture_output=True, text=True, timeout=60, cwd=tmp_path, env=clean_env(), check=False,
        )  # fmt: skip
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"practicebot: {what} packs need the '{'genanki' if what == 'Anki' else 'yaml'}' package: "
            "pip install 'practicebot[packs]'"
        )
        assert not (tmp_path / f"x{suffix}").exists()


async def test_a_persons_bookmarks_export_as_an_anki_deck(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = await SqliteStore.open(db)
    try:
        now = datetime.now(UTC)
        for qid in ("websockets-realtime/beginner-03", "websockets-realtime/advanced-01"):
            await store.add_bookmark("discord", "42", qid, now, 200)
    finally:
        await store.close()
    deck = tmp_path / "mine.apkg"
    result = cli(
        "pack",
        "export",
        "--bookmarks",
        "discord:42",
        "--output",
        str(deck),
        "--database",
        str(db),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote 2 questions to {deck} (apkg)"
    with zipfile.ZipFile(deck) as archive:
        (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "c.anki2") as collection:
        titles = [row[0] for row in collection.execute("SELECT sfld FROM notes ORDER BY id")]
    assert titles == ["What is the WebSocket handshake?", "How do you scale WebSocket servers horizontally?"]
    nobody = cli(
        "pack",
        "export",
        "--bookmarks",
        "discord:7",
        "--output",
        str(deck),
        "--database",
        str(db),
        cwd=tmp_path,
    )
    assert nobody.returncode == 1
    assert (
        nobody.stderr.strip()
        == "practicebot: discord:7 has no bookmarks of questions in the configured packs"
    )
