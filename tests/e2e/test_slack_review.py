"""Bookmarks, review and the reminder on the real slack-bolt against the Slack emulator: the
Bookmark button on a daily post, /bookmarks, /review with its grade buttons, the reminder as a
direct message (conversations.open, once a day, also across a restart), remove and junk."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.models.blocks import Block

from tests.e2e import test_slack as slack_e2e
from tests.e2e.test_slack import Running, command, posts, shown
from tests.emulators.slack import SlackEmulator

# the Slack end-to-end fixtures, shared
slack, start_bot = slack_e2e.slack, slack_e2e.start_bot

Q1 = "testpack/beginner-01"


def action_ids(message: dict[str, Any]) -> list[str]:
    return [
        e["action_id"] for b in message.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]
    ]


async def click(slack: SlackEmulator, channel: str, user: str, ts: str, action_id: str) -> dict[str, Any]:
    """Press a button; the private answer the person sees."""
    envelope = await slack.click_button(channel, user, ts, action_id)
    await envelope.acked(timeout=5)
    await slack.wait_for(lambda: envelope.responses, timeout=5)
    answer: dict[str, Any] = envelope.responses[0]
    assert answer["response_type"] == "ephemeral"
    return answer


async def test_bookmark_from_the_daily_post_then_review_grade_remind_and_remove(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    bot = await start_bot()
    channel = slack.add_channel("practice")
    admin, ana, bo = slack.add_user("lead", admin=True), slack.add_user("ana"), slack.add_user("bo")
    await command(slack, channel, admin, "/practice subscribe 09:00 Europe/Berlin")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    assert action_ids(post) == [f"pb:bookmark:{Q1}"]
    for block in post["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]

    pressed = await click(slack, channel, ana, post["ts"], f"pb:bookmark:{Q1}")
    assert "Bookmarked Beginner question 1? /review deals it back." in shown(pressed)
    assert "already bookmarked" in shown(await click(slack, channel, ana, post["ts"], f"pb:bookmark:{Q1}"))
    listed = await command(slack, channel, ana, "/bookmarks")
    assert listed.get("response_type", "ephemeral") == "ephemeral"
    assert "1. Beginner question 1? - due now" in shown(listed)
    assert "None yet" in shown(await command(slack, channel, bo, "/bookmarks"))

    on = await command(slack, channel, ana, "/review remind on")
    assert "Review reminders are on: a private message at 09:00 Europe/Berlin" in shown(on)
    await bot.service.run_post(1)
    await bot.service.run_post(1)
    [dm] = slack.direct_messages(ana)
    assert "1 bookmarked question due for review" in shown(dm)
    assert slack.direct_messages(bo) == []
    await bot.stop()
    bot = await start_bot()
    await bot.service.run_post(1)
    assert len(slack.direct_messages(ana)) == 1  # not twice after a restart
    held = await command(slack, channel, ana, "/review")  # its answer stays hidden while open
    assert "Your next card: Beginner question 1? is open for answers in a channel right now" in shown(held)
    await command(slack, channel, admin, "/practice reveal-now")

    [im] = [
        call.body["channel"] for call in slack.calls("chat.postMessage") if call.body["channel"][0] == "D"
    ]
    card = await click(slack, im, ana, dm["ts"], "pb:review:next")  # the reminder's button deals a card
    assert "Beginner question 1?" in shown(card)
    assert action_ids(card) == [f"pb:review-answer:{Q1}"]
    card = await command(slack, channel, ana, "/review")
    [shown_card] = [e for e in slack.ephemerals(channel, ana) if action_ids(e) == action_ids(card)][-1:]
    answer = await click(slack, channel, ana, shown_card["ts"], f"pb:review-answer:{Q1}")
    assert "The model answer to beginner question 1." in shown(answer)
    assert action_ids(answer) == [f"pb:grade:{Q1}:{g}" for g in ("again", "hard", "good", "easy")]
    [shown_answer] = [e for e in slack.ephemerals(channel, ana) if action_ids(e) == action_ids(answer)]
    graded = await click(slack, channel, ana, shown_answer["ts"], f"pb:grade:{Q1}:again")
    assert "Graded again: Beginner question 1? comes back" in shown(graded) and "<!date^" in str(graded)
    assert "Nothing is due for review" in shown(await command(slack, channel, ana, "/review"))

    assert "takes nothing or 'remove <number>'" in shown(
        await command(slack, channel, ana, "/bookmarks drop 1")
    )
    assert "takes on or off" in shown(await command(slack, channel, ana, "/review remind tomorrow"))
    assert "There is no bookmark 9" in shown(await command(slack, channel, ana, "/bookmarks remove 9"))
    removed = await command(slack, channel, ana, f"/bookmarks remove {Q1}")
    assert "Removed Beginner question 1? from your bookmarks" in shown(removed)
    stale = await click(slack, channel, ana, shown_answer["ts"], f"pb:grade:{Q1}:good")
    assert "not in your bookmarks any more" in shown(stale)
