"""The terminal's pack files on disk (bot/platforms/local_files.py): reading one to import, and
saving an export without ever replacing a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.shared.errors import UserError
from bot.core.shared.messages import ATTACHMENT_MAX_BYTES, Attachment
from bot.platforms.local_files import read_pack_file, save_new

CSV = b"question,answer\nWhat is 6 x 7?,42\n"


def test_a_file_is_read_whole_relative_to_the_folder_or_absolute(tmp_path: Path) -> None:
    (tmp_path / "my pack.csv").write_bytes(CSV)
    assert read_pack_file(tmp_path, "my pack.csv") == Attachment("my pack.csv", CSV)
    assert read_pack_file(Path("/nowhere"), str(tmp_path / "my pack.csv")).data == CSV


def test_each_unreadable_path_gets_its_own_answer(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"there is no file at missing\.csv"):
        read_pack_file(tmp_path, "missing.csv")
    (tmp_path / "folder").mkdir()
    with pytest.raises(UserError, match="folder is not a file"):
        read_pack_file(tmp_path, "folder")
    (tmp_path / "pack.csv").write_bytes(CSV)
    with pytest.raises(UserError, match=r"cannot read pack\.csv/inner\.csv: Not a directory"):
        read_pack_file(tmp_path, "pack.csv/inner.csv")


def test_a_file_over_the_limit_is_refused_from_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as out:
        out.truncate(ATTACHMENT_MAX_BYTES + 1)  # sparse: its size says it all
    with pytest.raises(UserError, match=r"big\.csv is 2\.0 MB: a pack file may be at most 2 MB"):
        read_pack_file(tmp_path, "big.csv")


def test_an_export_never_replaces_a_file(tmp_path: Path) -> None:
    (tmp_path / "team.csv").write_bytes(b"mine")
    first = save_new(tmp_path, Attachment("team.csv", CSV))
    second = save_new(tmp_path, Attachment("team.csv", CSV))
    assert (first.name, second.name) == ("team-1.csv", "team-2.csv")
    assert (tmp_path / "team.csv").read_bytes() == b"mine" and first.read_bytes() == CSV
    assert first.is_absolute()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=300))
def test_any_name_is_saved_inside_the_folder(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "out"
    try:
        saved = save_new(folder, Attachment(name, CSV))
    except UserError as exc:  # a name the file system refuses is said, not raised
        assert "cannot write" in exc.message
        return
    assert saved.parent == folder.resolve() and saved.read_bytes() == CSV
    saved.unlink()
