"""A revoked or rotated token (issue 14, case 4), with the real discord.py and slack-bolt against
the emulators: it is about the platform, not any channel. No subscription pauses for it (before,
each one paused in turn and needed /practice resume), /healthz says the token is refused, and the
work goes through once the token works again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.e2e import test_slack as slack_e2e
from tests.e2e.token_checks import goes_through, waits_for_the_token
from tests.emulators.slack import SlackEmulator

slack, start_bot = slack_e2e.slack, slack_e2e.start_bot


async def test_a_revoked_slack_token_pauses_nothing_and_the_reveal_goes_out_once_it_works(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Any]]
) -> None:
    bot = await start_bot()
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    await slack_e2e.command(slack, channel, admin, "/practice subscribe")
    await slack_e2e.command(slack, channel, admin, "/practice post-now")
    slack.revoke_token("token_revoked")
    await waits_for_the_token(bot, "slack")
    assert "token_revoked" in [c.error for c in slack.calls("chat.postMessage")]
    slack.restore_token()
    await goes_through(bot, "slack")
    [post] = slack_e2e.posts(slack, channel)
    assert "The model answer" in slack_e2e.shown(slack.replies(channel, post["ts"])[-1])
