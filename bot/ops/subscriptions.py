"""`practicebot subscriptions list`: what is scheduled where, and when each channel's next
question comes, in its own zone and in UTC. Reads the database; safe while the bot runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.daily.messages import failure_line
from bot.core.daily.schedule import format_relative, format_reveal, next_post, on_days
from bot.core.ownership.partitions import Lease, Split, describe_lease, describe_unheld, expected, unheld
from bot.core.shared.messages import plural
from bot.core.shared.models import LEVELS, Failure, Post, Subscription, SubscriptionStatus
from bot.core.store import Store

WHERE = {"discord": ("guild", "channel"), "slack": ("team", "channel")}


async def list_subscriptions(
    store: Store, now: datetime, leases: Sequence[Lease] = (), splits: Mapping[str, Split] | None = None
) -> str:
    """Every subscription, then which process holds which partition and which partitions of the
    active subscriptions' platforms nobody holds (`splits`: how the config divides each platform)."""
    subscriptions = await store.subscriptions()
    if not subscriptions:
        return "no subscriptions yet: /practice subscribe in a channel starts one"
    blocks = [
        describe(s, now, await store.open_post(s.id), await store.last_post(s.id), await store.failures(s.id))
        for s in subscriptions
    ]
    active = sum(s.status is SubscriptionStatus.ACTIVE for s in subscriptions)
    lines = [*blocks, f"{plural(len(subscriptions), 'subscription')}, {active} active"]
    lines.extend(f"lease: {describe_lease(lease, now)}" for lease in leases)
    platforms = {s.channel.platform for s in subscriptions if s.status is SubscriptionStatus.ACTIVE}
    divided = splits or {}
    if missing := unheld(expected({p: divided.get(p, Split()) for p in platforms}), leases, now):
        lines.append(describe_unheld(missing))
    return "\n".join(lines)


def describe(
    subscription: Subscription,
    now: datetime,
    open_post: Post | None = None,
    last_post: Post | None = None,
    failures: Sequence[Failure] = (),
) -> str:
    """Three or more lines: where, status, schedule, next post (or why there is none), the open
    question and the items given up."""
    channel = subscription.channel
    workspace, room = WHERE.get(channel.platform, ("workspace", "channel"))
    status = subscription.status.value
    if subscription.status_reason:
        status += f": {subscription.status_reason}"
    settings = subscription.settings
    schedule = settings.schedule
    levels = "all levels" if settings.levels == LEVELS else ",".join(settings.levels)
    reveal = "before the next post" if settings.reveal.is_next else "after " + format_reveal(settings.reveal)
    lines = [
        f"#{subscription.id} {channel.platform} {workspace} {channel.workspace_id} "
        f"{room} {channel.channel_id} - {status}",
        f"  {schedule.at:%H:%M} {schedule.timezone} {on_days(schedule.days)}, "
        f"reveal {reveal}, {levels}, {settings.order.value}",
    ]
    if subscription.status is SubscriptionStatus.ACTIVE:
        at = next_post(schedule, now, last_post.local_date if last_post else None)
        local = at.astimezone(ZoneInfo(schedule.timezone))
        lines.append(
            f"  next post: {local:%a %Y-%m-%d %H:%M} {schedule.timezone} = "
            f"{at:%a %Y-%m-%d %H:%M} UTC ({format_relative(at - now)})"
        )
    else:
        lines.append("  next post: none while " + subscription.status.value)
    if open_post is not None and open_post.reveal_at is not None:
        lines.append(
            f"  open question: {open_post.question_id}, reveal {open_post.reveal_at:%Y-%m-%d %H:%M} UTC"
        )
    lines.extend(f"  given up: {failure_line(failure)}" for failure in failures)
    return "\n".join(lines)
