"""Blind answers on the real slack-bolt against the Slack emulator (views checked with slack_sdk's
View model, trigger_ids honoured for 3 s): two people answer through the Answer button's modal,
none of their text is in any channel or thread message before the reveal, both appear in the
thread at the reveal, the board counts them; an over-long answer is refused in the modal itself;
a restart between submission and reveal loses nothing and publishes once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.core.blind import rules as blind
from tests.e2e.gate import Gate
from tests.e2e.test_slack import (  # noqa: F401 - fixtures, used by name
    Running,
    command,
    posts,
    shown,
    slack,
    start_bot,
)
from tests.emulators.slack import SlackEmulator

ANA_TEXT = "ana: one *TCP* socket, both ways <!channel>"
BO_TEXT = "bo: an HTTP/1.1 upgrade answered with 101"


def answer_button(post: dict[str, Any]) -> str:
    [action_id] = [
        e["action_id"]
        for b in post["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Answer"
    ]
    return str(action_id)


async def open_form(emu: SlackEmulator, channel: str, user: str, post: dict[str, Any]) -> dict[str, Any]:
    """Click Answer; the modal the bot opened for the person (with the click's trigger_id)."""
    before = set(emu.views())
    envelope = await emu.click_button(channel, user, post["ts"], answer_button(post))
    await envelope.acked(timeout=5)
    opened = await emu.wait_for(lambda: [v for i, v in emu.views().items() if i not in before], timeout=5)
    [view] = opened
    return view


async def submit(emu: SlackEmulator, view: dict[str, Any], user: str, words: str) -> dict[str, Any]:
    """Type into the modal and submit it; the ack's payload, checked like Slack would."""
    values = {"answer": {"answer": {"type": "plain_text_input", "value": words}}}
    envelope = await emu.submit_view(view["id"], user, values)
    ack = await envelope.acked(timeout=5)
    assert envelope.error is None, envelope.error
    return ack


async def blind_form_open(
    emu: SlackEmulator, name: str
) -> tuple[str, str, str, dict[str, Any], dict[str, Any]]:
    """A channel with blind answers and today's post, and `name` with its form open:
    (channel, admin, that person, the post, the open modal)."""
    channel, admin, person = emu.add_channel("practice"), emu.add_user("lead", admin=True), emu.add_user(name)
    await command(emu, channel, admin, "/practice subscribe 09:00 UTC answers=blind")
    await command(emu, channel, admin, "/practice post-now")
    [post] = posts(emu, channel)
    return channel, admin, person, post, await open_form(emu, channel, person, post)


def everything_public(emu: SlackEmulator, channel: str, post: dict[str, Any]) -> str:
    return "\n".join(shown(m) for m in emu.messages(channel) + emu.replies(channel, post["ts"]))


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_two_blind_answers_are_hidden_until_the_reveal_and_survive_a_restart(
    slack: SlackEmulator,  # noqa: F811 - the fixtures imported above
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
    mode: str,
) -> None:
    """In Socket Mode, and in HTTP mode (every envelope a signed POST to the bot's own server)."""
    bot = await start_bot(mode=mode)
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    ana, bo, cy = slack.add_user("ana"), slack.add_user("bo"), slack.add_user("cy")
    subscribed = await command(slack, channel, admin, "/practice subscribe 09:00 UTC answers=blind")
    assert "blind answers" in shown(subscribed)
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    assert "it stays hidden until the reveal" in shown(post)

    view = await open_form(slack, channel, ana, post)
    assert view["callback_id"] == "pb:blind:1" and len(view["title"]["text"]) <= 24
    ack = await submit(slack, view, ana, ANA_TEXT)
    assert ack["response_action"] == "update"
    assert blind.SAVED in ack["view"]["blocks"][0]["text"]["text"]

    view = await open_form(slack, channel, bo, post)
    await submit(slack, view, bo, "a first draft")
    view = await open_form(slack, channel, bo, post)
    assert view["blocks"][0]["element"]["initial_value"] == "a first draft"  # pre-filled
    refused = await submit(slack, view, bo, "x" * (blind.MAX_ANSWER + 1))
    assert refused["response_action"] == "errors"
    assert f"answers take at most {blind.MAX_ANSWER}" in refused["errors"]["answer"]
    await bot.stop()

    bot = await start_bot(mode=mode)  # the open modal still submits after a restart
    ack = await submit(slack, view, bo, BO_TEXT)
    assert "Your new answer replaces your earlier one" in ack["view"]["blocks"][0]["text"]["text"]
    public = everything_public(slack, channel, post)
    for secret in ("TCP", "upgrade answered", "first draft", "xxxx"):
        assert secret not in public
    assert not [e for e in slack.ephemerals(channel) if "TCP" in shown(e)]

    await command(slack, channel, admin, "/practice reveal-now")
    thread = slack.replies(channel, post["ts"])
    [answers] = [m for m in thread if "Everyone's answers" in shown(m)]
    text = shown(answers)
    assert "ana answered:" in text and "bo answered:" in text
    assert ANA_TEXT in text and not slack.pings()  # shown as typed, never a ping
    assert "101" in text and "first draft" not in text
    assert thread.index(answers) < next(i for i, m in enumerate(thread) if "Model answer" in shown(m))
    board = await command(slack, channel, cy, "/streaks")
    assert "ana - current 1" in shown(board) and "bo - current 1" in shown(board)

    [edited] = [m for m in slack.messages(channel) if m["ts"] == post["ts"]]
    buttons = [e["text"]["text"] for b in edited["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Bookmark"]  # the revealed post has no Answer button any more
    await bot.stop()
    await start_bot(mode=mode)
    assert sum("Everyone's answers" in shown(m) for m in slack.replies(channel, post["ts"])) == 1
    assert (slack.socket_connects == 0) == (mode == "http")  # HTTP mode: every envelope was a signed POST


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_a_slow_submission_is_acked_bare_then_confirmed_privately(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    """Saving takes longer than the adapter's ack deadline: the modal is acked with nothing (it
    closes, no error), and once the answer is stored the person is told so by chat.postEphemeral."""
    bot = await start_bot(mode=mode, ack_within=0.05)
    channel, admin, ana, post, view = await blind_form_open(slack, "ana")

    saving = Gate(monkeypatch, bot.store, "save_blind_answer")
    values = {"answer": {"answer": {"type": "plain_text_input", "value": ANA_TEXT}}}
    envelope = await slack.submit_view(view["id"], ana, values)
    ack = await envelope.acked(timeout=5)
    assert ack == {}, ack  # bare: the modal closes, with no outcome in it yet
    assert envelope.error is None, envelope.error
    await asyncio.wait_for(saving.entered.wait(), 5)
    assert await bot.store.blind_answer(1, ana) is None
    assert slack.ephemerals(channel, ana) == []

    saving.open()
    [told] = await slack.wait_for(lambda: slack.ephemerals(channel, ana), timeout=5)
    assert told["source"] == "chat.postEphemeral"
    assert told["text"] == blind.SAVED
    assert await bot.store.blind_answer(1, ana) == ANA_TEXT
    assert "TCP" not in everything_public(slack, channel, post)
    assert slack.views()[view["id"]] == view  # not turned into the done view: nobody would see it

    await command(slack, channel, admin, "/practice reveal-now")
    assert "ana answered:" in everything_public(slack, channel, post)
    assert (slack.socket_connects == 0) == (mode == "http")


async def test_an_answer_submitted_after_the_reveal_keeps_the_modal_open_with_the_text(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    """Writing while the question is revealed loses nothing: the modal stays open with the text
    in it and says why it was not saved; the answer is not counted."""
    bot = await start_bot()
    channel, admin, cy, post, view = await blind_form_open(slack, "cy")
    await command(slack, channel, admin, "/practice reveal-now")

    refused = await submit(slack, view, cy, "cy: a long answer written during the reveal")
    assert refused["response_action"] == "errors"  # Slack keeps the modal, and what was typed, open
    assert refused["errors"]["answer"].startswith("Answers closed while you were writing")
    assert await bot.store.blind_answer(1, cy) is None
    assert "cy: a long answer" not in everything_public(slack, channel, post)


TYPED = "@here see <https://evil.example|google.com> *now* _or_ ~never~ `x` @channel\n> quote \x000\x00 &amp;"


async def test_what_people_type_is_shown_as_typed_and_pings_nobody(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    """A blind answer and a display name full of Slack markup: at the reveal both are shown as
    typed (Slack's own parsing, verbatim or not, modelled by the emulator), no mention, no link
    labelled google.com, no bold, italic or strike; the streak board the same."""
    bot = await start_bot()
    channel, admin, person, post, view = await blind_form_open(slack, "*boss* @everyone")
    await submit(slack, view, person, TYPED)
    await command(slack, channel, admin, "/practice reveal-now")
    [answers] = [m for m in slack.replies(channel, post["ts"]) if "Everyone's answers" in shown(m)]
    seen = slack.shown(answers)
    assert "*boss* @everyone answered:" in seen.text
    assert TYPED.replace("\x00", "") in seen.text.replace("\u00ad", "")
    assert seen.links == [] and seen.styles == []  # the title is a header: plain text
    board = await command(slack, channel, admin, "/streaks")
    assert "*boss* @everyone - current 1" in slack.shown(board).text and slack.shown(board).styles == []
    assert slack.pings() == []
    await bot.stop()
