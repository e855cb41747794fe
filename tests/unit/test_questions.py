from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.daily.questions import (
    PackError,
    QuestionBank,
    choose_next,
    load_bank,
    load_pack,
    own_pack_id,
    progress,
)
from bot.core.shared.models import LEVELS, ChannelRef, Order
from tests.conftest import question_file, write_pack


def test_a_pack_loads_in_deck_order(pack_dir: Path) -> None:
    pack = load_pack(pack_dir)
    assert [q.id for q in pack.questions] == [
        "testpack/beginner-01", "testpack/beginner-02", "testpack/beginner-03",
        "testpack/intermediate-01", "testpack/intermediate-02", "testpack/advanced-01",
    ]  # fmt: skip
    first = pack.questions[0]
    assert first.key_points == ("first point", "second point", "third point")
    assert first.body == "The model answer to beginner question 1."


def _problems(folder: Path) -> str:
    with pytest.raises(PackError) as caught:
        load_pack(folder)
    return str(caught.value)


def test_missing_front_matter_names_the_file_and_line(pack_dir: Path) -> None:
    bad = pack_dir / "beginner" / "01-q.md"
    bad.write_text("no front matter\n")
    assert f"{bad}:1: must start with a '+++' line" in _problems(pack_dir)


def test_toml_syntax_error_names_the_line_in_the_file(pack_dir: Path) -> None:
    bad = pack_dir / "beginner" / "02-q.md"
    text = question_file("testpack", "beginner", 2).replace('summary = "The', "summary = The")
    bad.write_text(text)
    message = _problems(pack_dir)
    assert f"{bad}:6: front matter: " in message  # `summary` is on line 6 of the file


def test_field_errors_name_file_line_and_field_and_all_are_reported(pack_dir: Path) -> None:
    bad = pack_dir / "beginner" / "03-q.md"
    text = question_file("testpack", "beginner", 3).replace('level = "beginner"', 'level = "expert"')
    text = text.replace('summary = "The short', 'summary = "' + "x" * 300)
    text = text.replace('tags = ["test"]', 'tags = ["test"]\ncolour = "red"')
    bad.write_text(text)
    message = _problems(pack_dir)
    assert f"{bad}:3: level: must be one of beginner, intermediate, advanced (got 'expert')" in message
    assert f"{bad}:6: summary: is 322 characters; at most 280" in message
    assert f"{bad}:11: colour: unknown field" in message


def test_missing_numbers_and_duplicate_ids_are_reported(pack_dir: Path) -> None:
    (pack_dir / "beginner" / "02-q.md").unlink()
    (pack_dir / "advanced" / "02-q.md").write_text(question_file("testpack", "intermediate", 1))
    message = _problems(pack_dir)
    assert "beginner should number 1..3: missing [2]" in message
    assert "'testpack/intermediate-01' is also used by" in message


def test_code_blocks_must_name_their_language_and_close(pack_dir: Path) -> None:
    bad = pack_dir / "beginner" / "01-q.md"
    bad.write_text(question_file("testpack", "beginner", 1, body="Text\n\n```\nx = 1\n```"))
    assert "a code block must name its language" in _problems(pack_dir)
    bad.write_text(question_file("testpack", "beginner", 1, body="Text\n\n```python\nx = 1\n"))
    assert "this code block is never closed" in _problems(pack_dir)


def test_references_need_a_url_and_lists_their_sizes(pack_dir: Path) -> None:
    bad = pack_dir / "beginner" / "01-q.md"
    text = question_file("testpack", "beginner", 1)
    text = text.replace('key_points = ["first point", "second point", "third point"]', "key_points = []")
    text = text.replace("<https://www.rfc-editor.org/rfc/rfc6455#section-1.3>", "(see the RFC)")
    bad.write_text(text)
    message = _problems(pack_dir)
    assert "key_points: must be a list of 1 to 6 non-empty strings" in message
    assert "references: needs a URL in <https://...>" in message


def test_the_same_id_in_two_packs_is_refused(tmp_path: Path) -> None:
    one = write_pack(tmp_path / "a", "same")
    two = write_pack(tmp_path / "b", "same")
    with pytest.raises(Exception, match="question ids appear in more than one pack: same/advanced-01"):
        load_bank([one, two])


# ---------------------------------------------------------------- selection


def _bank(tmp_path: Path, counts: dict[str, int]) -> QuestionBank:
    return load_bank([write_pack(tmp_path, "deck", counts)])


def test_progressive_walks_beginner_then_intermediate_then_advanced(tmp_path: Path) -> None:
    bank = _bank(tmp_path, {"beginner": 3, "intermediate": 2, "advanced": 1})
    history: list[str] = []
    for _ in range(6):
        history.append(choose_next(bank.deck(LEVELS), history, Order.PROGRESSIVE, random.Random(1)).id)
    assert history == [q.id for q in bank.questions]


@pytest.fixture(scope="module")
def big_bank(tmp_path_factory: pytest.TempPathFactory) -> QuestionBank:
    return _bank(tmp_path_factory.mktemp("big"), {"beginner": 5, "intermediate": 4, "advanced": 3})


@settings(max_examples=200, deadline=None)
@given(
    order=st.sampled_from(list(Order)),
    levels=st.lists(st.sampled_from(LEVELS), min_size=1, unique=True),
    seed=st.integers(0, 2**32),
    posts=st.integers(1, 40),
)
def test_no_question_repeats_until_every_question_of_the_levels_was_posted(
    big_bank: QuestionBank, order: Order, levels: list[str], seed: int, posts: int
) -> None:
    deck = big_bank.deck(levels)
    rng = random.Random(seed)
    history: list[str] = []
    for _ in range(posts):
        history.append(choose_next(deck, history, order, rng).id)
    size = len(deck)
    for start in range(0, len(history), size):
        chunk = history[start : start + size]
        assert len(set(chunk)) == len(chunk), "a question repeated inside a round"
        assert set(chunk) <= {q.id for q in deck}
    assert progress(deck, history)[0].round == len(history) // size + 1


def test_changing_levels_mid_round_never_strands_a_channel(big_bank: QuestionBank) -> None:
    history = [q.id for q in big_bank.deck(["beginner"])][:3]
    deck = big_bank.deck(["beginner", "advanced"])
    nxt = choose_next(deck, history, Order.PROGRESSIVE, random.Random(0))
    assert nxt.id == "deck/beginner-04"


# ---------------------------------------------------------------- packs per channel (issue 20)


@pytest.fixture(scope="module")
def many_packs(tmp_path_factory: pytest.TempPathFactory) -> QuestionBank:
    """`base` configured; `own-fake-c1-...` (channel C1's own, for C1 alone), `w1` and `w2a` stored for
    workspace W1, `w2` for W2."""
    root = tmp_path_factory.mktemp("many")
    bank = load_bank([write_pack(root, "base", {"beginner": 2, "intermediate": 1})])
    for name, scope in (
        (OWN_C1, "fake:W1/C1"),
        ("w1", "fake:W1"),
        ("w2a", "fake:W1"),
        ("w2", "fake:W2"),
    ):
        bank.put(load_pack(write_pack(root, name, {"beginner": 2, "advanced": 1})), scope)
    return bank


C1, C2, D1 = ChannelRef("fake", "W1", "C1"), ChannelRef("fake", "W1", "C2"), ChannelRef("fake", "W2", "D1")
OWN_C1 = own_pack_id(C1)


def test_a_channel_draws_from_the_configured_packs_and_its_own_unless_it_chose() -> None:
    bank = QuestionBank([])
    assert bank.default_packs(C1) == ()
    assert OWN_C1.startswith("own-fake-c1-") and len(OWN_C1) == len("own-fake-c1-") + 4
    # a Slack Connect channel has one id in each workspace that shares it: each has its own pack
    one, two = (
        own_pack_id(ChannelRef("slack", "T1", "C0ABC_DEF")),
        own_pack_id(ChannelRef("slack", "T2", "C0ABC_DEF")),
    )
    assert one.startswith("own-slack-c0abc-def-") and two.startswith("own-slack-c0abc-def-") and one != two
    assert len(own_pack_id(ChannelRef("discord", "1" * 20, "9" * 20))) <= 60


@settings(max_examples=200, deadline=None)
@given(
    channel=st.sampled_from([C1, C2, D1]),
    chosen=st.lists(st.sampled_from(["base", OWN_C1, "w1", "w2a", "w2", "gone"]), max_size=5, unique=True),
    order=st.sampled_from(list(Order)),
    seed=st.integers(0, 2**32),
    posts=st.integers(1, 30),
)
def test_selection_across_a_channels_packs_never_repeats_and_never_leaves_its_workspace(
    many_packs: QuestionBank, channel: ChannelRef, chosen: list[str], order: Order, seed: int, posts: int
) -> None:
    packs = many_packs.channel_packs(channel, tuple(chosen))
    scope = f"{channel.platform}:{channel.workspace_id}"
    for pack in packs:
        # nothing of another workspace, nor another channel's own pack
        assert pack.id == "base" or many_packs.stored_scope(pack.id) in (
            scope,
            f"{scope}/{channel.channel_id}",
        )
    if chosen:
        assert [p.id for p in packs] == [p for p in chosen if many_packs.visible(p, channel)]
    else:
        assert [p.id for p in packs] == (["base", OWN_C1] if channel == C1 else ["base"])
    deck = many_packs.deck(LEVELS, packs)
    if not deck:
        return
    rng, history = random.Random(seed), []
    for _ in range(posts):
        history.append(choose_next(deck, history, order, rng).id)
    for start in range(0, len(history), len(deck)):
        chunk = history[start : start + len(deck)]
        assert len(set(chunk)) == len(chunk) and set(chunk) <= {q.id for q in deck}


def test_a_question_of_another_workspace_or_channels_own_is_not_shown(many_packs: QuestionBank) -> None:
    assert many_packs.get_for("w2/beginner-01", D1) is not None
    assert many_packs.get_for("w2/beginner-01", C1) is None
    assert many_packs.get_for(f"{OWN_C1}/beginner-01", C1) is not None
    assert many_packs.get_for(f"{OWN_C1}/beginner-01", C2) is None
    assert many_packs.get_for("base/beginner-01", D1) is not None
