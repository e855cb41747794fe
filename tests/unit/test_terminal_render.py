"""The terminal renderer over anything people can type (issue 15's principle): it never raises,
no control character a person typed reaches the terminal raw, and text made inert with `plain`
gets no styling it did not ask for."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.core.shared.messages import Button, Field, Message, person, plain
from bot.core.shared.models import User
from bot.platforms.shell import TerminalChannel

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=("Cs",)), max_size=300) | st.sampled_from(
    ["\x1b[31mred\x1b[0m", "\x1b]8;;http://x\x07link\x1b]8;;\x07", "\r\x08\x07", "\u202eevil", "**b**", "`c`"]
)
OURS = re.compile(r"\x1b\[(1|22|36|39)m")  # the only escapes the renderer writes itself


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def channel(tty: bool) -> TerminalChannel:
    out = Tty() if tty else io.StringIO()
    return TerminalChannel(io.StringIO(), out, now=lambda: datetime(2026, 3, 2, tzinfo=UTC), user="ana")


def raw_controls(text: str) -> list[str]:
    left = OURS.sub("", text)
    return [ch for ch in left if ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Zl", "Zp")]


MESSAGES = st.builds(
    Message,
    title=ANY_TEXT,
    body=ANY_TEXT,
    fields=st.lists(st.builds(Field, ANY_TEXT, ANY_TEXT), max_size=4).map(tuple),
    buttons=st.lists(st.builds(Button, ANY_TEXT, ANY_TEXT), max_size=4).map(tuple),
    footer=ANY_TEXT,
)


@given(message=MESSAGES, tty=st.booleans())
def test_any_message_renders_without_raising_or_raw_control_characters(message: Message, tty: bool) -> None:
    shown = channel(tty).render(message)
    assert raw_controls(shown) == []
    if not tty:
        assert "\x1b" not in shown


@given(text=ANY_TEXT, name=ANY_TEXT)
def test_what_people_typed_gets_no_styling(text: str, name: str) -> None:
    shown = channel(True).render(Message(body=f"{person(User('u1', name))} wrote {plain(text)}"))
    assert "\x1b" not in OURS.sub("", shown) and not OURS.search(shown)


def test_the_bots_own_markdown_is_styled_on_a_tty_and_plain_otherwise() -> None:
    message = Message(body="Type `reply TEXT` to answer **now**.\n```python\nx = 1\n```")
    assert (
        channel(True).render(message)
        == "Type \x1b[36mreply TEXT\x1b[39m to answer \x1b[1mnow\x1b[22m.\n\nx = 1\n"
    )
    assert channel(False).render(message) == "Type `reply TEXT` to answer now.\n\nx = 1\n"


@given(st.integers())
def test_any_moment_renders(timestamp: int) -> None:
    assert channel(False).render(Message(body=f"<t:{timestamp}:F> <t:{timestamp}:R>"))
