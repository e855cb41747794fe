"""Imports: all or nothing, every problem at its row and field, ids kept, limits refused."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from bot.core.daily.questions import load_pack
from bot.packs.formats.csv import HEADER
from bot.packs.importer import import_file
from bot.packs.records import MAX_FILE_BYTES, MAX_QUESTIONS, ImportRefused
from tests.conftest import write_pack

ROOT = Path(__file__).resolve().parents[2]

GOOD = {
    "level": "beginner",
    "title": "What is a port?",
    "summary": "A number that picks the process on a host.",
    "answer": "A 16-bit number in the TCP or UDP header.",
    "key_point_1": "16 bits",
    "key_point_2": "per protocol",
    "key_point_3": "well-known below 1024",
    "follow_up_1": "What is an ephemeral port?",
    "follow_up_2": "Who assigns them?",
    "reference_1": "RFC 6335 <https://www.rfc-editor.org/rfc/rfc6335>",
    "tags": "networking basics",
}


def csv_file(path: Path, *rows: dict[str, str]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_partly_invalid_file_writes_nothing_and_names_every_problem(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "net")
    before = snapshot(pack)
    source = csv_file(
        tmp_path / "more.csv",
        GOOD,
        {**GOOD, "title": "Two", "level": "expert", "summary": ""},
        {
            **GOOD,
            "title": "Three",
            "key_point_1": "",
            "key_point_2": "",
            "key_point_3": "",
            "tags": "Not_A_Tag",
        },
        {**GOOD, "title": "Four", "answer": "```\ncode", "reference_1": "no link"},
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(source, pack)
    lines = refused.value.message.splitlines()
    assert lines[0] == "nothing imported (1 to add, 0 to update, 3 refused): 7 problem(s)"
    assert sorted(lines[1:]) == sorted([
        f"{source}:3 (row 3): summary: required field is missing",
        f"{source}:3 (row 3): level: must be one of beginner, intermediate, advanced (got 'expert')",
        f"{source}:4 (row 4): key_points: must be a list of 1 to 6 non-empty strings",
        f"{source}:4 (row 4): tags: must be 0 to 6 lowercase tags made of letters, digits and -",
        f"{source}:5 (row 5): references: needs a URL in <https://...>: 'no link'",
        f"{source}:5 (row 5): answer: a code block must name its language (```python, ```js ...)",
        f"{source}:5 (row 5): answer: this code block is never closed",
    ])  # fmt: skip
    assert snapshot(pack) == before


def test_a_cell_over_several_lines_is_named_at_the_line_its_row_starts(tmp_path: Path) -> None:
    source = csv_file(
        tmp_path / "q.csv", {**GOOD, "answer": "line one\nline two\nline three"}, {**GOOD, "title": ""}
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(source, tmp_path / "new")
    assert f"{source}:5 (row 3): title: required field is missing" in refused.value.message
    assert not (tmp_path / "new").exists()


def test_ids_stay_stable_an_id_updates_and_no_id_adds(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "net")
    first = load_pack(pack).questions[0]
    source = csv_file(
        tmp_path / "update.csv",
        {**GOOD, "id": first.id, "level": first.level, "title": "Renamed, same question"},
        GOOD,
        GOOD,  # the same title again: a second question, its id deduplicated
    )
    report = import_file(source, pack)
    assert report.updated == (first.id,)
    assert report.added == ("net/what-is-a-port", "net/what-is-a-port-2")
    assert report.unchanged == ()  # only rows of the file are counted; the pack's others stay as they were
    loaded = {q.id: q for q in load_pack(pack).questions}
    assert len(loaded) == 8
    assert loaded[first.id].title == "Renamed, same question"
    assert loaded[first.id].number == first.number  # no number given: it keeps its place
    assert loaded[first.id].source == first.source  # the same file, rewritten
    assert [loaded[f"net/what-is-a-port{s}"].number for s in ("", "-2")] == [4, 5]  # after beginner 1..3
    assert "levels = { beginner = 5, intermediate = 2, advanced = 1 }" in (pack / "pack.toml").read_text()
    assert str(report) == (f"imported into pack net at {pack}: 2 added, 1 updated, 0 unchanged, 0 refused")


def test_an_id_of_another_pack_is_refused_not_renamed(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "net")
    source = csv_file(tmp_path / "q.csv", {**GOOD, "id": "websockets-realtime/beginner-01"})
    with pytest.raises(ImportRefused) as refused:
        import_file(source, pack)
    assert "id: 'websockets-realtime/beginner-01' belongs to pack 'websockets-realtime', not 'net'" in (
        refused.value.message
    )


def test_an_id_too_long_for_the_buttons_is_refused_and_a_long_title_gets_one_that_fits(
    tmp_path: Path,
) -> None:
    """Buttons carry a question's id and Discord's custom_id holds 100 characters: a given id
    over QUESTION_ID_MAX is refused at its row, and one made from a long title is cut to fit,
    numbered within the limit too."""
    pack = write_pack(tmp_path, "net")
    long_id = "net/" + "a" * 90
    with pytest.raises(ImportRefused) as refused:
        import_file(csv_file(tmp_path / "q.csv", {**GOOD, "id": long_id}), pack)
    assert "q.csv:2 (row 2): id: is 94 characters with the pack's id; at most 80" in refused.value.message
    title = "Why " + "very " * 28 + "long"
    report = import_file(
        csv_file(tmp_path / "t.csv", {**GOOD, "title": title}, {**GOOD, "title": title}), pack
    )
    assert len(report.added[0]) == 80 and len(report.added[1]) <= 80
    assert report.added[1].endswith("-2") and report.added[0] != report.added[1]
    # a question the pack already holds under a longer id (a hand-written pack) is updated as before
    held = pack / "advanced" / "01-q.md"
    held.write_text(held.read_text().replace('id = "net/advanced-01"', f'id = "{long_id}"'))
    report = import_file(csv_file(tmp_path / "u.csv", {**GOOD, "id": long_id, "level": "advanced"}), pack)
    assert report.updated == (long_id,)


def test_json_problems_name_the_question_and_yaml_problems_the_line(tmp_path: Path) -> None:
    doc = {"questions": [{"level": "beginner", "title": 7, "bogus": 1}]}
    (tmp_path / "q.json").write_text(json.dumps(doc))
    with pytest.raises(ImportRefused) as refused:
        import_file(tmp_path / "q.json", tmp_path / "a")
    message = refused.value.message
    assert f"{tmp_path / 'q.json'}: question 1: title: must be text (got int)" in message
    assert f"{tmp_path / 'q.json'}: question 1: bogus: unknown field" in message
    (tmp_path / "q.yaml").write_text("questions:\n  - level: beginner\n    title: fine\n  - level: 3\n")
    with pytest.raises(ImportRefused) as refused:
        import_file(tmp_path / "q.yaml", tmp_path / "b")
    assert f"{tmp_path / 'q.yaml'}:4: level: must be text (got int)" in refused.value.message
    (tmp_path / "bad.yaml").write_text("questions: [\n")
    with pytest.raises(ImportRefused) as refused:
        import_file(tmp_path / "bad.yaml", tmp_path / "c")
    assert refused.value.message.splitlines()[1].startswith(f"{tmp_path / 'bad.yaml'}:2: not valid YAML")


def test_too_many_questions_or_too_many_bytes_are_refused(tmp_path: Path) -> None:
    many = csv_file(tmp_path / "many.csv", *([GOOD] * (MAX_QUESTIONS + 1)))
    with pytest.raises(ImportRefused) as refused:
        import_file(many, tmp_path / "a")
    assert f"has 1,001 questions; at most {MAX_QUESTIONS:,} in one import" in refused.value.message
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_FILE_BYTES + 1))
    with pytest.raises(ImportRefused) as refused:
        import_file(big, tmp_path / "b")
    assert f"is {MAX_FILE_BYTES + 1:,} bytes; at most {MAX_FILE_BYTES:,}" in refused.value.message


def test_an_unknown_column_and_a_control_character_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text("id,level,titel\n,beginner,x\n")
    with pytest.raises(ImportRefused) as refused:
        import_file(path, tmp_path / "a")
    assert f"{path}:1: titel: unknown column (the header is: id, level, number" in refused.value.message
    source = csv_file(tmp_path / "c.csv", {**GOOD, "summary": "bell\x07"})
    with pytest.raises(ImportRefused) as refused:
        import_file(source, tmp_path / "b")
    assert "summary: contains the control character U+0007: remove it" in refused.value.message


def test_an_import_into_a_broken_pack_says_to_fix_it_first(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "net")
    shutil.copy(pack / "beginner" / "01-q.md", pack / "beginner" / "copy.md")
    source = csv_file(tmp_path / "q.csv", GOOD)
    with pytest.raises(Exception, match=r"fix them first \(practicebot pack lint"):
        import_file(source, pack)


def test_the_csv_template_imports_as_it_is(tmp_path: Path) -> None:
    report = import_file(ROOT / "docs" / "pack-template.csv", tmp_path / "my-pack")
    assert report.added == ("my-pack/what-is-an-example-question",)
    assert load_pack(tmp_path / "my-pack").questions[0].title == "What is an example question?"


def test_the_readme_documents_exactly_the_csv_columns() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("| column | holds |", 1)[1].split("\n\n", 1)[0]
    documented = []
    for cell in re.findall(r"^\| `([a-z_0-9]+)`(?: \.\. `([a-z_0-9]+)`)? \|", table, flags=re.M):
        first, last = cell
        if not last:
            documented.append(first)
            continue
        stem, end = last.rsplit("_", 1)
        documented += [f"{stem}_{n}" for n in range(1, int(end) + 1)]
    assert tuple(documented) == HEADER


def test_rows_with_too_many_cells_are_each_named(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text("level,title\nbeginner,a,b\nbeginner,fine\nbeginner,c,d,e\n")
    with pytest.raises(ImportRefused) as refused:
        import_file(path, tmp_path / "a")
    assert refused.value.message.splitlines()[1:] == [
        f"{path}:2 (row 2): has 3 cells; the header has 2",
        f"{path}:4 (row 4): has 4 cells; the header has 2",
    ]
