"""Packs out and back in: every format keeps every field, and no input breaks a reader."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import genanki
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.daily.questions import Pack, load_pack
from bot.core.shared.models import LEVELS, Question
from bot.packs.formats import FORMATS, writer
from bot.packs.formats.csv import HEADER
from bot.packs.formats.html import to_text
from bot.packs.importer import import_file
from bot.packs.markdown import pack_toml, to_markdown
from bot.packs.records import ImportRefused

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "questions" / "websockets-realtime"


def export_and_import(pack: Pack, fmt: str, folder: Path) -> Pack:
    folder.mkdir(parents=True, exist_ok=True)
    exported = folder / f"exported.{fmt}"
    exported.write_bytes(writer(fmt)(pack))
    import_file(exported, folder / pack.id)
    return load_pack(folder / pack.id)


def meta(pack: Pack) -> tuple[str, str, str]:
    return pack.id, pack.name, pack.description


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_builtin_pack_comes_back_equal_from_every_format(fmt: str, tmp_path: Path) -> None:
    pack = load_pack(BUILTIN)
    back = export_and_import(pack, fmt, tmp_path)
    assert back.questions == pack.questions
    assert len(back.questions) == 49
    if fmt != "csv":  # a CSV holds questions only; the pack's name comes from where it goes
        assert meta(back) == meta(pack)


def test_a_csv_imported_into_its_pack_changes_nothing(tmp_path: Path) -> None:
    pack = load_pack(BUILTIN)
    exported = tmp_path / "ws.csv"
    exported.write_bytes(writer("csv")(pack))
    copy = tmp_path / "websockets-realtime"
    shutil.copytree(BUILTIN, copy)
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    report = import_file(exported, copy)
    assert (len(report.added), len(report.updated), len(report.unchanged)) == (0, 0, 49)
    assert {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before


def test_an_exported_apkg_is_an_anki_collection_with_a_note_and_a_card_per_question(tmp_path: Path) -> None:
    pack = load_pack(BUILTIN)
    data = writer("apkg")(pack)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {"collection.anki2", "media"} <= set(archive.namelist())
        assert json.loads(archive.read("media")) == {}
        (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(tmp_path / "c.anki2")
    try:
        ((models, decks),) = db.execute("SELECT models, decks FROM col").fetchall()
        notes = db.execute("SELECT id, guid, flds, tags FROM notes ORDER BY id").fetchall()
        cards = db.execute("SELECT nid, did FROM cards").fetchall()
    finally:
        db.close()
    model = next(iter(json.loads(models).values()))
    assert model["name"] == "practicebot question"
    assert [f["name"] for f in model["flds"]][:4] == ["Id", "Level", "Number", "Title"]
    assert "WebSockets & Real-time" in [d["name"] for d in json.loads(decks).values()]
    assert len(notes) == len(cards) == 49
    assert {nid for nid, _ in cards} == {nid for nid, *_ in notes}
    first = notes[0][2].split("\x1f")
    assert first[:4] == ["websockets-realtime/beginner-01", "beginner", "1", "What is WebSocket?"]
    assert notes[0][3].split() == ["websocket", "protocol", "fundamentals"]
    # the same question is the same note in Anki, export after export
    assert notes[0][1] == genanki.guid_for("websockets-realtime/beginner-01")


# ---------------------------------------------------------------- any valid question


_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n\t")
_LINE = st.characters(blacklist_categories=("Cs", "Cc"))
_SLUG = st.from_regex(r"[a-z0-9][a-z0-9-]{0,11}", fullmatch=True)


def _bounded(text: st.SearchStrategy[str], most: int) -> st.SearchStrategy[str]:
    return text.map(str.strip).filter(lambda s: 0 < len(s) <= most)


# text that starts like a spreadsheet formula, or like one the CSV writer defused
_START = st.sampled_from(
    ["", "", "", "a\u2028b", "\u2029x", "=", "'=", "''+", "-", "@", "'", "<li>", "&amp;"]
)


def _item(most: int = 300) -> st.SearchStrategy[str]:
    text = st.tuples(_START, st.text(_CHARS, max_size=most - 5)).map("".join)
    return text.filter(lambda s: bool(s.strip()))


_BODY = (
    st.text(_CHARS, min_size=1, max_size=400)
    .map(lambda s: "\n".join(s.splitlines()).strip())
    .filter(lambda s: bool(s) and "```" not in s and "~~~" not in s)
)


@st.composite
def questions(draw: st.DrawFn) -> list[Question]:
    count = draw(st.integers(1, 3))
    levels = sorted(draw(st.lists(st.sampled_from(LEVELS), min_size=count, max_size=count)), key=LEVELS.index)
    slugs = draw(st.lists(_SLUG, min_size=count, max_size=count, unique=True))
    made, numbers = [], dict.fromkeys(LEVELS, 0)
    for level, slug in zip(levels, slugs, strict=True):
        numbers[level] += 1
        made.append(
            Question(
                id=f"prop/{slug}",
                pack="prop",
                level=level,
                number=numbers[level],
                title=draw(_bounded(st.tuples(_START, st.text(_LINE, max_size=140)).map("".join), 150)),
                summary=draw(_bounded(st.text(_CHARS, max_size=280), 280)),
                key_points=tuple(draw(st.lists(_item(), min_size=1, max_size=6))),
                follow_ups=tuple(draw(st.lists(_item(), max_size=3))),
                references=tuple(
                    f"{text} <https://example.com/{n}>"
                    for n, text in enumerate(draw(st.lists(_item(200), max_size=8)))
                ),
                tags=tuple(draw(st.lists(_SLUG, max_size=6))),
                body=draw(_BODY),
                source=Path(),
                suggested_by=draw(
                    st.one_of(st.just(""), _bounded(st.text(_LINE, max_size=100), 100))
                ).strip(),
            )
        )
    return made


def write_pack(folder: Path, made: list[Question], name: str, description: str) -> Pack:
    for q in made:
        path = folder / q.level / f"{q.number:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_markdown(q), encoding="utf-8")
    levels = {level: sum(1 for q in made if q.level == level) for level in LEVELS}
    (folder / "pack.toml").write_text(pack_toml("prop", name, description, levels), encoding="utf-8")
    return load_pack(folder)


@pytest.mark.parametrize("fmt", ["csv", "json", "yaml"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    made=questions(), name=_bounded(st.text(_LINE, max_size=60), 60), description=st.text(_CHARS, max_size=80)
)
def test_any_valid_question_round_trips_exactly(
    fmt: str, made: list[Question], name: str, description: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pack = write_pack(Path(tmp) / "prop", made, name, description)
        assert pack.questions == tuple(made)  # the Markdown writer itself loses nothing
        back = export_and_import(pack, fmt, Path(tmp) / "out")
        assert back.questions == pack.questions
        if fmt != "csv":
            assert meta(back) == meta(pack)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(made=questions())
def test_any_valid_question_round_trips_through_an_anki_deck(made: list[Question]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pack = write_pack(Path(tmp) / "prop", made, "Prop", "")
        assert export_and_import(pack, "apkg", Path(tmp) / "out").questions == pack.questions


# ---------------------------------------------------------------- junk never breaks a reader


def _import_junk(data: bytes, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"junk.{fmt}"
        source.write_bytes(data)
        target = Path(tmp) / "target"
        with pytest.raises(ImportRefused) as refused:
            import_file(source, target)
        assert refused.value.problems, "a refusal names its problems"
        assert not target.exists(), "a refused import writes nothing"


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=80, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=300), st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass"))
    )
)
def test_junk_bytes_get_a_clean_refusal(fmt: str, data: bytes) -> None:
    _import_junk(data, fmt)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_FIELD_NAMES = st.sampled_from(
    [
        "id",
        "level",
        "number",
        "title",
        "summary",
        "answer",
        "key_points",
        "follow_ups",
        "references",
        "tags",
        "x",
    ]
)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
@settings(max_examples=100, deadline=None)
@given(
    doc=st.one_of(
        _JSON,
        st.fixed_dictionaries({"questions": st.lists(st.dictionaries(_FIELD_NAMES, _JSON), max_size=4)}),
    )
)
def test_documents_of_any_shape_get_a_clean_refusal(fmt: str, doc: object) -> None:
    _import_junk(json.dumps(doc).encode(), fmt)  # JSON is YAML too


@settings(max_examples=40, deadline=None)
@given(collection=st.binary(max_size=2000), name=st.sampled_from(["collection.anki2", "collection.anki21"]))
def test_a_zip_with_a_broken_collection_gets_a_clean_refusal(collection: bytes, name: str) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, collection)
    _import_junk(out.getvalue(), "apkg")


# ---------------------------------------------------------------- other people's Anki decks


def foreign_deck(tmp_path: Path, model: genanki.Model, *notes: tuple[list[str], list[str]]) -> Path:
    deck = genanki.Deck(2059400110, "Networking::TCP basics")
    for fields, tags in notes:
        deck.add_note(genanki.Note(model=model, fields=fields, tags=tags))
    path = tmp_path / "foreign.apkg"
    genanki.Package(deck).write_to_file(str(path))
    return path


def test_a_front_back_deck_without_key_points_is_refused_naming_each_missing_field(tmp_path: Path) -> None:
    path = foreign_deck(
        tmp_path, genanki.BASIC_MODEL, (["What is TCP?", "A <b>reliable</b> byte stream."], [])
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(path, tmp_path / "tcp")
    text = refused.value.message
    assert (
        "foreign.apkg: note 1 ('What is TCP?'): key_points: must be a list of 1 to 6 non-empty strings"
        in text
    )
    assert "follow_ups" not in text and "references" not in text  # a team's own cards may go without
    assert "(0 to add, 0 to update, 1 refused)" in text
    assert not (tmp_path / "tcp").exists()


def test_a_deck_with_fields_named_like_ours_imports_with_its_code_kept(tmp_path: Path) -> None:
    model = genanki.Model(
        1607392320,
        "Interview card",
        fields=[{"name": n} for n in ("Front", "Back", "Key points", "Follow-ups", "References")],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
    )
    back = (
        "<div>TCP gives an ordered&nbsp;byte stream.</div><div><br></div>"
        '<pre><code class="language-python">sock = socket.create_connection((host, 80))\n'
        "if sock:\n    sock.sendall(b&quot;x&quot;)</code></pre>"
    )
    path = foreign_deck(
        tmp_path,
        model,
        (
            [
                "What does <i>TCP</i> give you?",
                back,
                "<ul><li>order</li><li>retransmission</li><li>flow control</li></ul>",
                "Why not UDP?<br>What is a SYN?",
                "RFC 9293 &lt;https://www.rfc-editor.org/rfc/rfc9293&gt;",
            ],
            ["intermediate", "Networking::TCP"],
        ),
    )
    report = import_file(path, tmp_path / "networking-tcp-basics")
    assert report.added == ("networking-tcp-basics/what-does-tcp-give-you",)
    (question,) = load_pack(tmp_path / "networking-tcp-basics").questions
    assert question.title == "What does *TCP* give you?"
    assert question.level == "intermediate" and question.tags == ("networking-tcp",)
    assert question.summary == "TCP gives an ordered byte stream."
    assert question.key_points == ("order", "retransmission", "flow control")
    assert question.follow_ups == ("Why not UDP?", "What is a SYN?")
    assert question.body == (
        "TCP gives an ordered byte stream.\n\n```python\nsock = socket.create_connection((host, 80))\n"
        'if sock:\n    sock.sendall(b"x")\n```'
    )


def test_a_package_only_in_ankis_newer_format_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "new.apkg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("collection.anki21b", b"\x28\xb5\x2f\xfd zstd")
        archive.writestr("collection.anki2", b"placeholder")
        archive.writestr("media", b"")
    with pytest.raises(ImportRefused) as refused:
        import_file(path, tmp_path / "p")
    assert "newer format only (collection.anki21b)" in refused.value.message
    assert "'Support older Anki versions'" in refused.value.message


def test_html_becomes_text_with_lines_and_lists() -> None:
    assert to_text("one<br>two &amp; <b>three</b>") == "one\ntwo & **three**"
    assert to_text("<ul><li>a</li><li>b</li></ul><p>para</p>") == "- a\n- b\n\npara"
    assert to_text("<script>alert(1)</script>kept") == "kept"


def test_a_csv_cell_that_looks_like_a_formula_is_defused_and_comes_back_as_written(tmp_path: Path) -> None:
    made = [
        Question(
            id="prop/evil", pack="prop", level="beginner", number=1, title="=HYPERLINK(\"https://evil\")",
            summary="'=already quoted", key_points=("+1", "-2", "@3"), follow_ups=("'tis fine", "ok"),
            references=("x <https://example.com>",), tags=("t",), body="- a list item", source=Path(),
        )
    ]  # fmt: skip
    pack = write_pack(tmp_path / "prop", made, "Prop", "")
    text = writer("csv")(pack).decode()
    assert (
        "'=HYPERLINK" in text and "''=already quoted" in text and "'+1" in text and "'- a list item" in text
    )
    assert ",'tis fine," in text  # an apostrophe before anything harmless is left alone
    assert export_and_import(pack, "csv", tmp_path / "out").questions == pack.questions


_CELL = st.one_of(
    st.text(max_size=30), st.sampled_from(["beginner", "advanced", "1", "0", "-3", "x/y", "'=1"])
)


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.dictionaries(st.sampled_from(HEADER), _CELL, max_size=8), max_size=4))
def test_csv_rows_of_any_text_get_a_clean_refusal(rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    _import_junk(out.getvalue().encode("utf-8", "surrogatepass"), "csv")


def test_a_collection_with_note_types_in_tables_reads_the_same(tmp_path: Path) -> None:
    """Newer Anki keeps note types, fields and decks in tables and leaves col's JSON empty."""
    pack = load_pack(BUILTIN)
    with zipfile.ZipFile(io.BytesIO(writer("apkg")(pack))) as archive:
        (tmp_path / "c").write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(tmp_path / "c")
    with db:
        models, decks = db.execute("SELECT models, decks FROM col").fetchone()
        db.execute("CREATE TABLE notetypes (id INTEGER PRIMARY KEY, name TEXT, config BLOB)")
        db.execute("CREATE TABLE fields (ntid INTEGER, ord INTEGER, name TEXT, config BLOB)")
        db.execute("CREATE TABLE decks (id INTEGER PRIMARY KEY, name TEXT, common BLOB, kind BLOB)")
        for mid, model in json.loads(models).items():
            db.execute("INSERT INTO notetypes (id, name) VALUES (?, ?)", (int(mid), model["name"]))
            for field in reversed(model["flds"]):  # stored in any order: ord decides
                db.execute(
                    "INSERT INTO fields (ntid, ord, name) VALUES (?, ?, ?)",
                    (int(mid), field["ord"], field["name"]),
                )
        for deck in json.loads(decks).values():
            db.execute("INSERT INTO decks (id, name) VALUES (?, ?)", (deck["id"], deck["name"]))
        db.execute("UPDATE col SET models = '', decks = ''")
    db.close()
    package = tmp_path / "modern.apkg"
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(tmp_path / "c", "collection.anki21")
        archive.writestr("media", "{}")
    import_file(package, tmp_path / "websockets-realtime")
    back = load_pack(tmp_path / "websockets-realtime")
    assert back.questions == pack.questions
    assert back.name == pack.name
