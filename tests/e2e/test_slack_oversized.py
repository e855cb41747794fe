"""Issue 15 case 11 over real sockets: a non-admin typing huge numbers, and a junk request timestamp
sent to Slack's HTTP route, get clear refusals (no traceback, no 500)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp

from tests.e2e.test_slack import Running, command, shown, slack, start_bot  # noqa: F401 - fixtures
from tests.emulators.slack import SlackEmulator


async def test_a_non_admin_typing_a_huge_reveal_is_told_it_is_for_admins(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    channel, ana = slack.add_channel("practice"), slack.add_user("ana")
    refused = await command(slack, channel, ana, "/practice subscribe reveal=99999999999999999999d")
    assert "/practice subscribe is for channel admins" in shown(refused)


async def test_a_request_timestamp_that_is_not_a_number_is_refused_not_a_500(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot(mode="http")
    assert slack.request_url is not None
    for stamp in ("soon", "1e10", "", "١٢٣"):
        headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=00",
                   "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip
        async with (
            aiohttp.ClientSession() as session,
            session.post(slack.request_url, data=b"command=%2Fpractice", headers=headers) as answer,
        ):
            assert answer.status == 401, stamp
