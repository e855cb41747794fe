"""Replayed and retried Slack requests run once (HTTP mode, every request signed): the same
signed `new-season confirm` sent four times starts one season, one with X-Slack-Retry-Num too; a
confirm names the season it starts, so a new confirm for a season already started starts nothing."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from tests.e2e.test_slack import (  # noqa: F401 - fixtures, used by name
    Running,
    _ref,
    command,
    shown,
    slack,
    start_bot,
)
from tests.emulators.slack import SlackEmulator


async def test_a_replayed_or_retried_confirm_starts_one_season(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    bot = await start_bot(mode="http")
    assert slack.request_url is not None
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    await command(slack, channel, admin, "/practice subscribe")
    asked = await command(slack, channel, admin, "/practice new-season")
    assert "To go ahead: /practice new-season confirm 2" in shown(asked)

    confirm = slack.slash_command_payload(channel, admin, "/practice", "new-season confirm 2")
    now = int(time.time())
    answers = [
        await slack.send_signed(slack.request_url, "slash_commands", confirm, timestamp=now, retry_num=retry)
        for retry in (None, None, None, 1)
    ]
    assert [a.status for a in answers] == [200] * 4
    assert "Season 2 starts now" in answers[0].body
    assert all(a.body == "" for a in answers[1:])  # acknowledged, nothing run
    subscription = await bot.store.subscription_for(_ref(slack, channel))
    assert subscription is not None and subscription.season == 2

    again = await command(slack, channel, admin, "/practice new-season confirm 2")  # a new request
    assert "Season 2 already started." in shown(again)
    ahead = await command(slack, channel, admin, "/practice new-season confirm 4")
    assert "This is season 2: to start season 3, /practice new-season confirm 3" in shown(ahead)
    odd = await command(slack, channel, admin, "/practice new-season confirm 99999999999999999999")
    assert "/practice new-season confirm takes the season number, not '99999999999999999999'" in shown(odd)
    subscription = await bot.store.subscription_for(_ref(slack, channel))
    assert subscription is not None and subscription.season == 2
    await bot.stop()
