"""The Store's bookmarks and review cards, and the review reminders: one person on one platform."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.core.review.bookmarks import Added, Bookmark, Reminder
from bot.core.review.cards import Card
from bot.core.review.ports import ReviewStore
from bot.core.shared.models import ChannelRef
from bot.storage.connection import Connection, _dt, _dt_required, _ts


class BookmarkTable(Connection, ReviewStore):
    """Bookmarks with their SM-2 cards, and review reminders (tables bookmarks, review_reminders)."""

    async def add_bookmark(
        self, platform: str, user_id: str, question_id: str, at: datetime, limit: int
    ) -> Added:
        """Bookmark a question for a person, unless they have it already or hold `limit`."""
        async with self._transaction() as db:
            rows = await db.all(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE question_id = ?) FROM bookmarks"
                " WHERE platform = ? AND user_id = ?",
                (question_id, platform, user_id),
            )
            count, already = next(iter(rows))
            if already:
                return Added.ALREADY
            if count >= limit:
                return Added.FULL
            await db.run(
                "INSERT INTO bookmarks (platform, user_id, question_id, created_at, added)"
                " VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(added), 0) + 1 FROM bookmarks"
                " WHERE platform = ? AND user_id = ?))",
                (platform, user_id, question_id, _ts(at), platform, user_id),
            )
            return Added.ADDED

    async def bookmarks(self, platform: str, user_id: str) -> list[Bookmark]:
        """A person's bookmarks with their cards, oldest first (the numbering /bookmarks shows)."""
        rows = await self._all(
            "SELECT question_id, created_at, repetitions, ease, interval_seconds, due_at FROM bookmarks"
            " WHERE platform = ? AND user_id = ? ORDER BY added",
            (platform, user_id),
        )
        return [
            Bookmark(r[0], _dt_required(r[1]), Card(r[2], r[3], timedelta(seconds=r[4]), _dt(r[5])))
            for r in rows
        ]

    async def remove_bookmark(self, platform: str, user_id: str, question_id: str) -> bool:
        changed = await self._write(
            "DELETE FROM bookmarks WHERE platform = ? AND user_id = ? AND question_id = ?",
            (platform, user_id, question_id),
        )
        return changed == 1

    async def save_card(self, platform: str, user_id: str, question_id: str, card: Card) -> bool:
        """Store a bookmark's card after a review; False if it is no longer bookmarked."""
        changed = await self._write(
            "UPDATE bookmarks SET repetitions = ?, ease = ?, interval_seconds = ?, due_at = ?"
            " WHERE platform = ? AND user_id = ? AND question_id = ?",
            (
                card.repetitions,
                card.ease,
                int(card.interval.total_seconds()),
                None if card.due is None else _ts(card.due),
                platform,
                user_id,
                question_id,
            ),
        )
        return changed == 1

    async def most_bookmarked(
        self, subscription_id: int, question_ids: Sequence[str], limit: int
    ) -> list[tuple[str, int]]:
        """Among `question_ids`: (question id, how many of the channel's people bookmarked it),
        most first. The channel's people: those who ever answered there, on its platform."""
        if not question_ids or limit <= 0:
            return []
        marks = ", ".join("?" for _ in question_ids)
        rows = await self._all(
            "SELECT b.question_id, COUNT(*) AS n FROM bookmarks b"
            " JOIN subscriptions s ON s.id = ? AND b.platform = s.platform"
            f" WHERE b.question_id IN ({marks}) AND EXISTS (SELECT 1 FROM replies r"
            " JOIN posts p ON p.id = r.post_id WHERE p.subscription_id = s.id AND r.user_id = b.user_id)"
            " GROUP BY b.question_id ORDER BY n DESC, b.question_id LIMIT ?",
            [subscription_id, *question_ids, limit],
        )
        return [(row[0], int(row[1])) for row in rows]

    async def set_reminder(self, platform: str, user_id: str, channel: ChannelRef | None) -> bool:
        """Turn a person's review reminder on at `channel`'s post time, or off (None). Returns
        whether it was on before."""
        async with self._transaction() as db:
            before = await db.all(
                "DELETE FROM review_reminders WHERE platform = ? AND user_id = ? RETURNING last_reminded",
                (platform, user_id),
            )
            if channel is not None:
                last = before[0][0] if before else None  # moving it keeps today's "already reminded"
                await db.run(
                    "INSERT INTO review_reminders (platform, user_id, workspace_id, channel_id,"
                    " last_reminded) VALUES (?, ?, ?, ?, ?)",
                    (platform, user_id, channel.workspace_id, channel.channel_id, last),
                )
            return bool(before)

    async def reminders_at(self, channel: ChannelRef) -> list[Reminder]:
        """The reminders that go out at this channel's post time."""
        rows = await self._all(
            "SELECT platform, user_id, last_reminded FROM review_reminders"
            " WHERE platform = ? AND workspace_id = ? AND channel_id = ? ORDER BY user_id",
            (channel.platform, channel.workspace_id, channel.channel_id),
        )
        return [Reminder(r[0], r[1], date.fromisoformat(r[2]) if r[2] else None) for r in rows]

    async def claim_reminder(self, platform: str, user_id: str, today: date) -> bool:
        """Record that the person is reminded on `today`; False if they already were (or turned
        it off meanwhile). Written before sending: a restart never reminds twice."""
        changed = await self._write(
            "UPDATE review_reminders SET last_reminded = ? WHERE platform = ? AND user_id = ?"
            " AND (last_reminded IS NULL OR last_reminded <> ?)",
            (today.isoformat(), platform, user_id, today.isoformat()),
        )
        return changed == 1

    async def forget_bookmarks(self, platform: str, user_id: str) -> int:
        """Delete a person's bookmarks, cards and reminder on one platform; how many bookmarks."""
        async with self._transaction() as db:
            deleted = await db.run(
                "DELETE FROM bookmarks WHERE platform = ? AND user_id = ?", (platform, user_id)
            )
            await db.run(
                "DELETE FROM review_reminders WHERE platform = ? AND user_id = ?", (platform, user_id)
            )
            return deleted
