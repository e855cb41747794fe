"""The Store's failures: items that kept failing, with their tries and reason (table failures)."""

from __future__ import annotations

from datetime import datetime

from bot.core.daily.ports import FailureStore
from bot.core.shared.models import Failure
from bot.storage.connection import Connection, _dt_required, _ts

FAILURES_SHOWN = 5  # the newest given-up items an admin sees per channel


class FailureTable(Connection, FailureStore):
    """Failures (table failures)."""

    async def record_failure(
        self, subscription_id: int, item: str, reason: str, at: datetime, max_tries: int
    ) -> bool:
        async with self._transaction() as db:
            [row] = await db.all(
                "INSERT INTO failures (subscription_id, item, tries, reason, failed_at, given_up)"
                " VALUES (?, ?, 1, ?, ?, ?)"
                " ON CONFLICT (subscription_id, item) DO UPDATE SET tries = failures.tries + 1,"
                " reason = excluded.reason, failed_at = excluded.failed_at,"
                " given_up = CASE WHEN failures.tries + 1 >= ? THEN 1 ELSE 0 END"
                " RETURNING given_up",
                (subscription_id, item, reason, _ts(at), int(max_tries <= 1), max_tries),
            )
        return bool(row[0])

    async def failures(self, subscription_id: int) -> list[Failure]:
        rows = await self._all(
            "SELECT item, tries, reason, failed_at FROM failures"
            " WHERE subscription_id = ? AND given_up = 1 ORDER BY failed_at DESC, item LIMIT ?",
            (subscription_id, FAILURES_SHOWN),
        )
        return [Failure(row[0], row[1], row[2], _dt_required(row[3])) for row in rows]
