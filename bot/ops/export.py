"""`practicebot export replies|streaks --format csv|json`: a team's history for its own records.

One row per answer (who answered which question, when, and whether it was before the reveal),
or one row per person's streak in a channel, with their self-check accuracy as a whole
percentage (empty for people who never marked one). Times are UTC, ISO 8601. In CSV a text cell
that starts like a spreadsheet formula (= + - @) gets a leading apostrophe, so a display name
cannot run as a formula in whoever opens the file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import Any, TextIO

from bot.core.daily.questions import QuestionBank
from bot.core.shared.models import PostStatus, Subscription
from bot.core.store import Store

WHERE_COLUMNS = ("subscription", "platform", "workspace_id", "channel_id")
REPLY_COLUMNS = (*WHERE_COLUMNS, "post_id", "local_date", "question_id", "question_title",
                 "user_id", "user_name", "replied_at", "on_time", "season")  # fmt: skip
# current, best, total, freezes and the team's figures are the season's; best_ever spans them all
STREAK_COLUMNS = (*WHERE_COLUMNS, "season", "user_id", "user_name", "current", "best", "total", "freezes",
                  "accuracy", "best_ever", "team_current", "team_best")  # fmt: skip
TABLES = {"replies": REPLY_COLUMNS, "streaks": STREAK_COLUMNS}
FORMATS = ("csv", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Row = dict[str, Any]


async def _chosen(store: Store, subscription_id: int | None) -> list[Subscription]:
    subscriptions = await store.subscriptions()
    if subscription_id is None:
        return subscriptions
    return [s for s in subscriptions if s.id == subscription_id]


def _where(subscription: Subscription) -> Row:
    channel = subscription.channel
    return {
        "subscription": subscription.id,
        "platform": channel.platform,
        "workspace_id": channel.workspace_id,
        "channel_id": channel.channel_id,
    }


async def reply_rows(store: Store, bank: QuestionBank, subscription_id: int | None = None) -> list[Row]:
    """Every stored answer, oldest post first; late answers too, marked on_time false."""
    subscriptions = {s.id: s for s in await _chosen(store, subscription_id)}
    rows: list[Row] = []
    for post in await store.posts_with_status(PostStatus.POSTED, PostStatus.REVEALED):
        subscription = subscriptions.get(post.subscription_id)
        if subscription is None:
            continue
        question = bank.get(post.question_id)
        for user, at, on_time in await store.replies(post.id):
            rows.append({
                **_where(subscription),
                "post_id": post.id,
                "local_date": post.local_date.isoformat(),
                "question_id": post.question_id,
                "question_title": question.title if question else "",
                "user_id": user.id,
                "user_name": user.name,
                "replied_at": at.isoformat(),
                "on_time": on_time,
                "season": post.season,  # the season it counted in (an open post: the current one)
            })  # fmt: skip
    return rows


async def streak_rows(store: Store, subscription_id: int | None = None) -> list[Row]:
    """Each person's streak per channel, over closed posts; best current streak first."""
    rows: list[Row] = []
    for subscription in await _chosen(store, subscription_id):
        state, names = await store.streak_state(subscription.id)
        team, _ = await store.team_streak(subscription.id)
        accuracy = await store.accuracy(subscription.id)
        season = await store.season_state(subscription.id)
        ranked = sorted(state.items(), key=lambda item: (-item[1].current, -item[1].best, -item[1].total))
        for user_id, streak in ranked:
            rows.append({
                **_where(subscription),
                "season": season.number,
                "user_id": user_id,
                "user_name": names.get(user_id, user_id),
                "current": streak.current,
                "best": streak.best,
                "total": streak.total,
                "freezes": streak.freezes,
                "accuracy": found.percent if (found := accuracy.get(user_id)) else None,
                "best_ever": max(streak.best, season.best_before.get(user_id, 0)),
                "team_current": team.current,
                "team_best": team.best,
            })  # fmt: skip
    return rows


def write(rows: Sequence[Row], columns: Sequence[str], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        json.dump([{c: row[c] for c in columns} for row in rows], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
