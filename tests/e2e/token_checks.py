"""What a refused token must (not) do, the same on every platform: see test_revoked_token_*.py."""

from __future__ import annotations

from typing import Any

from bot.core.shared.models import PostStatus, SubscriptionStatus
from bot.ops.health import Health


async def health(bot: Any, name: str) -> dict[str, Any]:
    healthy, body = await Health(bot.store, {name: bot.platform}).report()
    return {"healthy": healthy, **body["checks"][name]}


async def waits_for_the_token(bot: Any, name: str) -> None:
    """The reveal failed on the token: still open, the channel still active, /healthz unhealthy."""
    await bot.service.run_reveal(1)
    post = await bot.store.post(1)
    assert post is not None and post.status is PostStatus.POSTED
    [subscription] = await bot.store.subscriptions()
    assert subscription.status is SubscriptionStatus.ACTIVE
    checked = await health(bot, name)
    assert not checked["healthy"] and "refuses the bot's token" in checked["detail"]


async def goes_through(bot: Any, name: str) -> None:
    await bot.service.run_reveal(1)  # the retry the timer makes a minute later
    post = await bot.store.post(1)
    assert post is not None and post.status is PostStatus.REVEALED
    assert bot.platform.token_state.refused == ""
