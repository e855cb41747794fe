"""The Slack and Discord renderers over anything a person can type (any Unicode, control
characters, absurd lengths), in the messages that quote people: blind answers, a late answer
quoted back, the streak board. They never raise, stay within the platform's limits, and show
what was typed as typed: no mention, link or formatting that the person did not write."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.blind import rules as blind
from bot.core.daily.messages import board
from bot.core.shared.messages import _MARKDOWN_SPECIAL, Message
from bot.core.shared.models import Board, StreakRow, TeamStreak, User
from bot.platforms.discord import render as discord_render
from bot.platforms.slack import render as slack_render
from tests.emulators.slack.mrkdwn import Shown, message_shown, show
from tests.emulators.slack.validation import MAX_TEXT, block_problems
from tests.unit.test_selfcheck import sample_question

QUESTION = sample_question(key_points=3)
NASTY = st.sampled_from([
    "\x000\x00", "@here", "@channel <!everyone>", "<https://evil.example|google.com>", "*bold* _it_ ~s~ `c`",
    "> quote", "```\ncode\n```", "[label](https://evil.example)", "&lt;!here&gt;", "<@U123>", "\\*x\\*",
    "https://evil.example", "#general", ":smile:", "- item\n1. item", "\u2028\x85\x1c", "**x**",
])  # fmt: skip
MARKUP = st.text(alphabet=st.sampled_from("*_~`>@<&|\\a \n"), min_size=1000, max_size=6000)  # long, dense
LONG_LINE = st.text(alphabet=st.sampled_from("*_`a"), min_size=2100, max_size=5000)  # one line, cut hard
TYPED = st.one_of(
    NASTY, st.text(max_size=200), st.text(max_size=4000), MARKUP, LONG_LINE, st.lists(NASTY).map("".join)
)
NAME = st.one_of(NASTY, st.text(max_size=80))
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _words(text: str) -> str:
    """What must survive: the text without control characters, whitespace (a long text is split
    into several sections) and the invisible soft hyphen a typed `>` may get."""
    return re.sub(r"\s", "", _CONTROL.sub("", text).replace(slack_render.SOFT_HYPHEN, ""))


def _messages(answers: list[tuple[str, str]]) -> list[tuple[Message, list[str]]]:
    """Messages that quote people, each with what a reader must find in it as typed."""
    people = [(User(f"U{i}", name), text) for i, (name, text) in enumerate(answers)]
    rows = tuple(StreakRow(user, 1, 1, 1) for user, _ in people)
    late = blind.too_late(QUESTION, 1, answers[0][1]).messages
    names = [re.sub(r"[<>|]", "", name) for name, _ in answers]  # a mention's name: no <, >, |
    return [
        (blind.answers_message(QUESTION, people), [*names, *(text for _, text in answers)]),
        *((message, [answers[0][1].strip()]) for message in late),
        (board(Board(rows, TeamStreak(1, 1), 3, 1, date(2026, 1, 1))), [name for name, _ in answers]),
    ]


def _slack_shown(message: Message) -> tuple[Shown, list[Shown]]:
    shown, notifications = Shown(), []
    for part in slack_render.render(message):
        assert len(part.blocks) <= slack_render.BLOCKS_MAX
        assert block_problems(list(part.blocks)) == []  # 3,000 per section, 150 per header, ...
        assert 0 < len(part.text) <= MAX_TEXT
        shown += message_shown({"blocks": list(part.blocks)})
        notifications.append(show(part.text, parse=False))
    return shown, notifications


@settings(max_examples=150, deadline=None)
@given(answers=st.lists(st.tuples(NAME, TYPED), min_size=1, max_size=4))
def test_slack_shows_what_people_typed_and_never_markup(answers: list[tuple[str, str]]) -> None:
    for message, typed in _messages(answers):
        shown, notifications = _slack_shown(message)
        for seen in (shown, *notifications):
            assert seen.mentions == []
            assert seen.links == []
        assert [s for s in shown.styles if s[0] != "bold" or s[1] != "Everyone's answers"] == []
        visible = _words(shown.text)
        assert all(_words(text) in visible for text in typed)


def _discord_texts(message: Message) -> list[str]:
    texts: list[str] = []
    parts = discord_render.render(message)
    for part in parts:
        assert 1 <= len(part.embeds) <= discord_render.MESSAGE_EMBEDS_MAX
        assert sum(len(e) for e in part.embeds) <= discord_render.MESSAGE_TOTAL_MAX
        for embed in part.embeds:
            assert len(embed.title or "") <= discord_render.TITLE_MAX
            assert len(embed.description or "") <= discord_render.DESCRIPTION_MAX
            assert len(embed.fields) <= discord_render.FIELDS_MAX
            assert len(embed.footer.text or "") <= discord_render.FOOTER_MAX
            texts.append(embed.description or "")
            for f in embed.fields:
                assert len(f.name or "") <= discord_render.FIELD_NAME_MAX
                assert 0 < len(f.value or "") <= discord_render.FIELD_VALUE_MAX
                texts.append(f.value or "")
    return texts


# Inert Discord text: every Markdown character escaped, and no mention but our own <@id>.
_INERT = re.compile(r"(?:\\" + _MARKDOWN_SPECIAL.pattern[1:-1] + r"|<@\d{15,21}>|[^\\`*_~|>\[\]()#<@!&:])*")


@settings(max_examples=150, deadline=None)
@given(text=TYPED, name=NAME)
def test_discord_keeps_every_typed_character_escaped_in_every_part(text: str, name: str) -> None:
    """Each embed text is Markdown on its own: a long text cut between a backslash and the
    character it escapes would show the backslash and format the character."""
    people = [(User("123456789012345678", name), text)]
    body = blind.answers_message(QUESTION, people).body
    for piece in _discord_texts(Message(body=body)):
        without_ours = re.sub(r"^<@\d+> answered:$", "", piece, flags=re.M)
        assert _INERT.fullmatch(without_ours), piece[-40:]
    assert discord_render.NO_MENTIONS.to_dict() == {"parse": []}


@settings(max_examples=60, deadline=None)
@given(answers=st.lists(st.tuples(NAME, TYPED), min_size=1, max_size=4))
def test_discord_never_raises_and_fits_every_limit(answers: list[tuple[str, str]]) -> None:
    for message, _ in _messages(answers):
        _discord_texts(message)
