"""The weekly recap's picture on Slack: files.completeUploadExternal returns before Slack has
shared the file in the channel. A resend after a crash in that moment must find the upload still
being shared and not share it twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.shared.messages import Field, Message, Picture
from tests.e2e.test_slack import (  # noqa: F401 - fixtures, used by name
    Running,
    _ref,
    file_shares,
    slack,
    start_bot,
)
from tests.emulators.slack import SlackEmulator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
RECAP = Message(title="Weekly recap", body="A good week.", fields=(Field("Team streak", "3"),))


async def test_a_recap_still_being_shared_when_the_bot_crashed_is_not_shared_again(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    bot = await start_bot()
    one, two = slack.add_channel("one"), slack.add_channel("two")
    picture = Picture("recap-2026-12-07.png", PNG, 10, 10, "the week's answers")
    slack.hold_file_shares = True  # Slack is slow to share: completeUploadExternal has returned
    await bot.platform.post_picture(_ref(slack, one), RECAP, picture, "nonce-one")
    await bot.platform.post_picture(_ref(slack, two), RECAP, picture, "nonce-two")  # same week, same name
    await bot.stop()  # a crash before the recap was recorded as shared
    assert file_shares(slack, one) == []

    again = await start_bot()
    await again.platform.post_picture(_ref(slack, one), RECAP, picture, "nonce-one", resend=True)
    assert slack.release_file_shares() == 2
    assert len(file_shares(slack, one)) == 1 and len(file_shares(slack, two)) == 1  # once each
    [shared] = file_shares(slack, one)
    assert shared["files"][0]["name"].startswith("recap-2026-12-07")
    assert shared["blocks"][0]["type"] == "header"
    await again.platform.post_picture(_ref(slack, two), RECAP, picture, "nonce-two", resend=True)
    assert len(file_shares(slack, two)) == 1  # shared, and found again
    await again.stop()
