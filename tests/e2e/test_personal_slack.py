"""A person's own settings on the real slack-bolt against the Slack emulator, typed as Slack sends
slash commands (the words as text): /streaks hide, /practice away add, their refusals, all
answered privately; the board in the channel counts the hidden row without naming it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

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


def private(payload: dict[str, object]) -> bool:
    return payload.get("response_type", "ephemeral") == "ephemeral"


async def test_a_hidden_row_and_an_away_day_in_slack(
    slack: SlackEmulator,  # noqa: F811 - the fixtures imported above
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    bot = await start_bot()
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    ana, bo, cy = slack.add_user("ana"), slack.add_user("bo"), slack.add_user("cy")
    await command(slack, channel, admin, "/practice subscribe 09:00 UTC daily")
    today = datetime.now(UTC).date()

    hidden = await command(slack, channel, bo, "/streaks HIDE")
    assert private(hidden) and "Your row is now left off this channel's board." in shown(hidden)
    junk = await command(slack, channel, bo, "/streaks hide <!everyone>")
    assert private(junk) and "/streaks takes nothing, 'me', 'hide' or 'show', not" in shown(junk)
    assert "<!everyone>" not in json.dumps(junk)  # quoted back inert: it pings nobody
    added = await command(slack, channel, ana, f"/practice away add {today}")
    assert private(added) and f"Away days added (UTC): {today}." in shown(added)
    bad = await command(slack, channel, ana, "/practice away add 2026-02-30")
    assert private(bad) and "'2026-02-30' is not a day of the calendar" in shown(bad)

    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    for person in (bo, cy):
        await slack.post_message(channel, person, "an answer", thread_ts=post["ts"])
    await _settled(bot, 2)
    await command(slack, channel, admin, "/practice reveal-now")
    board = await command(slack, channel, admin, "/streaks")
    assert board["response_type"] == "in_channel"
    assert "1. cy - current 1, best 1, total 1\n... and 1 person who keeps their streak private" in shown(
        board
    )
    assert "bo" not in shown(board).split("Team streak")[0]
    mine = await command(slack, channel, bo, "/streaks me")
    assert private(mine) and "Your row is hidden from this channel's board" in shown(mine)
