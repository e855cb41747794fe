"""No single item stops a channel: a post or reveal that keeps failing for a reason about itself
is given up after a few tries, recorded for admins, and the channel goes on with the next day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.core.daily.service import MAX_TRIES
from bot.core.shared.errors import About, PlatformError
from bot.core.shared.messages import Message
from bot.core.shared.models import ChannelRef, PostedRef, PostStatus, SubscriptionStatus
from bot.ops.subscriptions import list_subscriptions
from tests.conftest import CHANNEL, FakePlatform, Harness
from tests.integration.test_service import ANA, BO, MONDAY_0600, reply, say, text

TUESDAY_0900 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
WEDNESDAY_0900 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


@dataclass
class Refusing(FakePlatform):
    """Raises `error` for every message whose title contains `title`, on every try (a renderer
    bug on that content, or a platform refusing that one message), and sends the rest."""

    title: str = ""
    error: Exception = field(default_factory=lambda: IndexError("list index out of range"))

    def _refuse(self, message: Message) -> None:
        if self.title and self.title in message.title:
            raise self.error

    async def post_question(
        self, channel: ChannelRef, message: Message, nonce: str, *, resend: bool = False
    ) -> PostedRef:
        self._refuse(message)
        return await super().post_question(channel, message, nonce, resend=resend)

    async def reply_in_thread(
        self, channel: ChannelRef, thread_id: str, message: Message, *, nonce: str = "", resend: bool = False
    ) -> None:
        self._refuse(message)
        await super().reply_in_thread(channel, thread_id, message, nonce=nonce, resend=resend)


def refusing(h: Harness, title: str, error: Exception | None = None) -> Refusing:
    platform = Refusing(title=title, **({"error": error} if error else {}))
    h.platform = platform
    return platform


async def test_a_reveal_that_cannot_be_rendered_is_given_up_counts_and_the_next_day_posts(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(MONDAY_0600)
    platform = refusing(h, "Model answer: Beginner question 1?")
    await h.start()
    await say(h, "/practice subscribe")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert await reply(h, ANA)
    await h.run_until(WEDNESDAY_0900)
    posts = [s.message.title for s in platform.of("post")]
    assert posts == ["Beginner question 1?", "Beginner question 2?", "Beginner question 3?"]
    first = await h.store.post(1)
    assert first is not None and first.status is PostStatus.REVEALED  # given up, still closed
    sub = await h.store.subscription_for(CHANNEL)
    assert sub is not None and sub.status is SubscriptionStatus.ACTIVE
    status = text(await say(h, "/practice status"))
    assert (
        f"Given up: reveal of post 1 on 2026-03-02 17:0{MAX_TRIES - 1} UTC after {MAX_TRIES} tries" in status
    )
    assert "IndexError: list index out of range" in status
    listed = await list_subscriptions(h.store, h.clock.now())
    assert "given up: reveal of post 1" in listed and "IndexError" in listed
    board = await say(h, "/streaks", user=BO, admin=False)
    assert board.messages[0].body.splitlines()[0].startswith("1. Ana - current")  # the answer counted


async def test_a_post_the_platform_refuses_for_good_is_given_up_and_the_channel_goes_on(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(MONDAY_0600)
    refused = PlatformError("Slack answered invalid_blocks", about=About.MESSAGE)
    platform = refusing(h, "Beginner question 1?", refused)
    await h.start()
    await say(h, "/practice subscribe")
    await h.run_until(TUESDAY_0900)
    assert [s.message.title for s in platform.of("post")] == ["Beginner question 2?"]
    first = await h.store.post(1)
    assert first is not None and first.status is PostStatus.SKIPPED
    assert first.note == "Slack answered invalid_blocks"
    sub = await h.store.subscription_for(CHANNEL)
    assert sub is not None and sub.status is SubscriptionStatus.ACTIVE
    status = text(await say(h, "/practice status"))
    assert "Given up: post 1 on 2026-03-02 09:02 UTC after 3 tries: Slack answered invalid_blocks" in status
    assert "Next question:" in status  # not paused


async def test_the_reveal_before_the_next_post_is_given_up_at_once_so_the_new_day_is_not_held(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(MONDAY_0600)
    platform = refusing(h, "Model answer: Beginner question 1?")
    await h.start()
    await say(h, "/practice subscribe reveal=next")
    await h.run_until(TUESDAY_0900)
    assert [s.message.title for s in platform.of("post")] == ["Beginner question 1?", "Beginner question 2?"]
    assert "Given up: reveal of post 1" in text(await say(h, "/practice status"))
