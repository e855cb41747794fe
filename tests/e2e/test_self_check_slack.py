"""Self-check on the real slack-bolt against the Slack emulator (Block Kit checked with slack_sdk):
the reveal of a 5-point question carries six buttons in one actions block; a person who answered
presses "3 of 5" and the board shows their accuracy; a person who did not answer is refused,
privately."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.core.daily.questions import QuestionBank, load_bank, resolve_pack
from tests.e2e.test_slack import (  # noqa: F401 - fixtures, used by name
    Running,
    _settled,
    command,
    posts,
    shown,
    slack,
    start_bot,
)
from tests.emulators.slack import SlackEmulator
from tests.emulators.slack.validation import block_problems


@pytest.fixture
def bank() -> QuestionBank:
    """The shipped pack: its first question has five key points, so six buttons."""
    return load_bank([resolve_pack("websockets-realtime")])


async def press(emulator: SlackEmulator, channel: str, user: str, ts: str, action_id: str) -> str:
    """Click a button; the private answer the person sees."""
    envelope = await emulator.click_button(channel, user, ts, action_id)
    await envelope.acked(timeout=5)
    await emulator.wait_for(lambda: envelope.responses, timeout=5)
    [response] = envelope.responses
    assert response["response_type"] == "ephemeral"
    return shown(response)


async def test_a_person_who_answered_marks_three_of_five_and_the_board_shows_it(
    slack: SlackEmulator,  # noqa: F811 - the fixtures imported above
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    bot = await start_bot()
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    ana, bo, cy = slack.add_user("ana"), slack.add_user("bo"), slack.add_user("cy")
    await command(slack, channel, admin, "/practice subscribe 09:00 UTC")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    await slack.post_message(
        channel, ana, "a full-duplex socket over one TCP connection", thread_ts=post["ts"]
    )
    await slack.post_message(channel, bo, "an upgraded HTTP request", thread_ts=post["ts"])
    await _settled(bot, 2)
    await command(slack, channel, admin, "/practice reveal-now")

    reveal = slack.replies(channel, post["ts"])[-1]
    assert block_problems(reveal["blocks"]) == []
    assert "☐ Standardized as RFC 6455" in shown(reveal)
    [actions] = [b for b in reveal["blocks"] if b["type"] == "actions"]
    assert [e["text"]["text"] for e in actions["elements"]] == [f"{n} of 5" for n in range(6)] + ["Bookmark"]
    three = actions["elements"][3]["action_id"]
    assert three == "pb:covered:1:3"

    assert "Marked 3 of 5 key points for What is WebSocket? It is in your /review queue." in await press(
        slack, channel, ana, reveal["ts"], three
    )
    refused = await press(slack, channel, cy, reveal["ts"], three)
    assert "Only people who answered What is WebSocket? in its thread can self-check it." in refused

    board = await command(slack, channel, cy, "/streaks")
    assert "1. ana - current 1, best 1, total 1, accuracy 60%\n2. bo - current 1, best 1, total 1" in shown(
        board
    )
    mine = await command(slack, channel, ana, "/streaks me")
    assert "accuracy 60% (3 of 5 key points over 1 self-check)" in shown(mine)
    public = slack.messages(channel) + slack.replies(channel, post["ts"])
    assert not [m for m in public if "Marked" in shown(m) or "Only people" in shown(m)]  # private answers
