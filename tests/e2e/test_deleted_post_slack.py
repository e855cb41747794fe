"""A moderator deletes the daily question on Slack (issue 14, case 1), with the real slack-bolt
against the emulator. chat.update of it then answers `message_not_found` (before, the bot retried
the reveal every minute for ever). With replies, the question stays as a tombstone holding its
thread, and the reveal goes there; without, the thread is gone (conversations.replies answers
`thread_not_found`) and the reveal is a new channel message saying the question was removed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.daily.messages import QUESTION_REMOVED
from bot.core.shared.models import ChannelRef, PostStatus, SubscriptionStatus
from tests.e2e import test_slack as e2e
from tests.e2e.test_slack import Running, _settled, command, posts, shown
from tests.emulators.slack import SlackEmulator

slack, start_bot = e2e.slack, e2e.start_bot  # the Slack e2e fixtures


async def _subscribed_post(slack: SlackEmulator, bot: Running) -> tuple[str, str, str]:
    channel = slack.add_channel("practice")
    admin = slack.add_user("lead", admin=True)
    await command(slack, channel, admin, "/practice subscribe")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    return channel, admin, str(post["ts"])


async def _still_counts(slack: SlackEmulator, bot: Running, channel: str) -> None:
    subscription = await bot.store.subscription_for(ChannelRef("slack", slack.team_id, channel))
    assert subscription is not None and subscription.status is SubscriptionStatus.ACTIVE
    closed = await bot.store.post(1)
    assert closed is not None and closed.status is PostStatus.REVEALED


async def test_a_deleted_question_with_replies_is_revealed_in_its_thread(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    bot = await start_bot()
    channel, admin, ts = await _subscribed_post(slack, bot)
    ana = slack.add_user("ana")
    await slack.post_message(channel, ana, "an answer", thread_ts=ts)
    await _settled(bot, 1)

    await slack.delete_message(channel, ts)
    await command(slack, channel, admin, "/practice reveal-now")

    reveal = slack.replies(channel, ts)[-1]
    assert "The model answer to beginner question 1." in shown(reveal)
    assert "Answered in time\nana" in shown(reveal)
    assert [c.error for c in slack.calls("chat.update")] == ["message_not_found"]
    await _still_counts(slack, bot, channel)
    board = await command(slack, channel, ana, "/streaks")
    assert "1. ana - current 1, best 1, total 1" in shown(board)


async def test_a_deleted_question_without_replies_is_revealed_in_the_channel(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    bot = await start_bot()
    channel, admin, ts = await _subscribed_post(slack, bot)

    await slack.delete_message(channel, ts)
    await command(slack, channel, admin, "/practice reveal-now")

    top = [m for m in slack.messages(channel) if QUESTION_REMOVED in shown(m)]
    assert len(top) == 1 and "The model answer to beginner question 1." in shown(top[0])
    await _still_counts(slack, bot, channel)
    await command(slack, channel, admin, "/practice reveal-now")  # nothing open, nothing sent again
    assert len([m for m in slack.messages(channel) if QUESTION_REMOVED in shown(m)]) == 1
