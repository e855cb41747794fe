from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.daily.messages import board, my_streak
from bot.core.shared.messages import plain, split_markdown
from bot.core.shared.models import Board, StreakRow, TeamStreak, User

FENCE = re.compile(r"^```", re.M)


def _balanced(chunk: str) -> bool:
    return len(FENCE.findall(chunk)) % 2 == 0


def test_short_text_is_one_chunk() -> None:
    assert split_markdown("hello\n\nworld", 100) == ["hello\n\nworld"]


def test_splits_between_paragraphs_not_inside_a_code_block() -> None:
    code = "```python\n" + "\n".join(f"x{i} = {i}" for i in range(10)) + "\n```"
    text = "a" * 50 + "\n\n" + code + "\n\n" + "b" * 50
    chunks = split_markdown(text, len(code) + 5)
    assert chunks == ["a" * 50, code, "b" * 50]


def test_a_code_block_longer_than_a_chunk_is_closed_and_reopened_with_its_language() -> None:
    code = "```js\n" + "\n".join(f"const v{i} = {i};" for i in range(40)) + "\n```"
    chunks = split_markdown(code, 120)
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk) <= 120
        assert chunk.startswith("```js\n") and chunk.endswith("\n```")
    inner = "\n".join(c.removeprefix("```js\n").removesuffix("\n```") for c in chunks)
    assert inner.splitlines() == code.splitlines()[1:-1]


PARAGRAPH = st.text(
    alphabet=st.characters(blacklist_characters="`\r", blacklist_categories=("Cs",)), min_size=1, max_size=300
).map(lambda s: s.strip() or "x")
CODE = st.lists(st.text(alphabet="abc =()+;", max_size=80), min_size=1, max_size=30).map(
    lambda lines: "```python\n" + "\n".join(lines) + "\n```"
)


@settings(max_examples=300, deadline=None)
@given(blocks=st.lists(st.one_of(PARAGRAPH, CODE), min_size=1, max_size=12), limit=st.integers(100, 1000))
def test_every_chunk_fits_and_renders_on_its_own(blocks: list[str], limit: int) -> None:
    text = "\n\n".join(blocks)
    chunks = split_markdown(text, limit)
    assert all(len(c) <= limit for c in chunks)
    assert all(_balanced(c) for c in chunks)
    squashed = re.sub(r"\s|`|python", "", text)
    assert re.sub(r"\s|`|python", "", "".join(chunks)) == squashed  # nothing lost, nothing added


def test_names_are_made_inert() -> None:
    assert plain("@everyone") == "\\@everyone"
    assert plain("<@123>") == "\\<\\@123\\>"
    assert plain("*bold*_x_") == "\\*bold\\*\\_x\\_"


def test_board_lines_and_my_streak_show_the_freezes_held_only_when_there_are_any() -> None:
    ana, bo, cy = User("a", "Ana"), User("b", "Bo"), User("c", "Cy")
    result = Board(
        rows=(StreakRow(ana, 8, 8, 8, 1), StreakRow(bo, 5, 6, 9, 2), StreakRow(cy, 1, 1, 1)),
        team=TeamStreak(3, 4),
        closed_posts=9,
    )
    assert board(result).body.splitlines() == [
        "1. Ana - current 8, best 8, total 8, 1 freeze held",
        "2. Bo - current 5, best 6, total 9, 2 freezes held",
        "3. Cy - current 1, best 1, total 1",
    ]
    assert my_streak(result, bo).body == "current 5, best 6, total 9, 2 freezes held"
    assert my_streak(result, cy).body == "current 1, best 1, total 1"
