"""The Store's self-checks: each person's mark of a post, and their running totals per channel."""

from __future__ import annotations

from datetime import datetime

from bot.core.selfcheck.ports import SelfCheckStore
from bot.core.shared.models import Accuracy
from bot.storage.connection import Connection, Session, _ts


class SelfCheckTable(Connection, SelfCheckStore):
    """Self-checks (tables self_checks, self_check_totals)."""

    async def has_answered(self, post_id: int, user_id: str) -> bool:
        row = await self._one("SELECT 1 FROM replies WHERE post_id = ? AND user_id = ?", (post_id, user_id))
        return row is not None

    async def save_self_check(
        self, post_id: int, user_id: str, covered: int, total: int, at: datetime
    ) -> int | None:
        """Store a person's self-check of a post, replacing theirs, and the channel's totals in
        the same transaction. Returns the count of key points it replaced, None for a first mark."""
        async with self._transaction() as db:
            old = next(iter(await db.all(
                "SELECT covered, total FROM self_checks WHERE post_id = ? AND user_id = ?",
                (post_id, user_id),
            )), None)  # fmt: skip
            await db.run(
                "INSERT INTO self_checks (post_id, user_id, covered, total, marked_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (post_id, user_id) DO UPDATE SET"
                " covered = excluded.covered, total = excluded.total, marked_at = excluded.marked_at",
                (post_id, user_id, covered, total, _ts(at)),
            )
            old_covered, old_total = (old[0], old[1]) if old else (0, 0)
            await db.run(
                "INSERT INTO self_check_totals (subscription_id, user_id, covered, total, checks)"
                " SELECT subscription_id, ?, ?, ?, ? FROM posts WHERE id = ?"
                " ON CONFLICT (subscription_id, user_id) DO UPDATE SET"
                " covered = self_check_totals.covered + excluded.covered,"
                " total = self_check_totals.total + excluded.total,"
                " checks = self_check_totals.checks + excluded.checks",
                (user_id, covered - old_covered, total - old_total, 0 if old else 1, post_id),
            )
        return None if old is None else int(old[0])

    async def accuracy(self, subscription_id: int) -> dict[str, Accuracy]:
        rows = await self._all(
            "SELECT user_id, covered, total, checks FROM self_check_totals"
            " WHERE subscription_id = ? AND checks > 0",
            (subscription_id,),
        )
        return {r[0]: Accuracy(r[1], r[2], r[3]) for r in rows}

    @staticmethod
    async def _forget_self_checks(db: Session, platform: str, user_id: str) -> None:
        await db.run(
            "DELETE FROM self_checks WHERE user_id = ? AND post_id IN (SELECT p.id FROM posts p"
            " JOIN subscriptions s ON s.id = p.subscription_id WHERE s.platform = ?)",
            (user_id, platform),
        )
        await db.run(
            "DELETE FROM self_check_totals WHERE user_id = ? AND subscription_id IN"
            " (SELECT id FROM subscriptions WHERE platform = ?)",
            (user_id, platform),
        )
