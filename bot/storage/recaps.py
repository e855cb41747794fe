"""The Store's weekly recaps: each channel's recap time and the recap claimed per week."""

from __future__ import annotations

from datetime import date, datetime, time

from bot.core.recap.ports import RecapStore
from bot.core.recap.rules import PostCount, RecapRow, RecapStatus, RecapTime
from bot.storage.connection import Connection, _dt_required, _ts


class RecapTable(Connection, RecapStore):
    """Weekly recaps (tables recap_settings, recaps)."""

    async def recap_times(self) -> dict[int, RecapTime | None]:
        rows = await self._all("SELECT subscription_id, weekday, at FROM recap_settings")
        return {row[0]: _recap_time(row[1], row[2]) for row in rows}

    async def recap_time(self, subscription_id: int) -> tuple[bool, RecapTime | None]:
        row = await self._one(
            "SELECT weekday, at FROM recap_settings WHERE subscription_id = ?", (subscription_id,)
        )
        return (False, None) if row is None else (True, _recap_time(row[0], row[1]))

    async def set_recap_time(self, subscription_id: int, setting: RecapTime | None) -> None:
        await self._write(
            "INSERT INTO recap_settings (subscription_id, weekday, at) VALUES (?, ?, ?)"
            " ON CONFLICT (subscription_id) DO UPDATE SET weekday = excluded.weekday, at = excluded.at",
            (
                subscription_id,
                None if setting is None else setting.weekday,
                None if setting is None else setting.at.strftime("%H:%M"),
            ),
        )

    async def claim_recap(
        self, subscription_id: int, week: date, local_date: date, scheduled_at: datetime, nonce: str
    ) -> RecapRow | None:
        async with self._transaction() as db:
            inserted = await db.run(
                "INSERT INTO recaps (subscription_id, week, local_date, status, nonce, scheduled_at)"
                " VALUES (?, ?, ?, 'claimed', ?, ?) ON CONFLICT (subscription_id, week) DO NOTHING",
                (subscription_id, week.isoformat(), local_date.isoformat(), nonce, _ts(scheduled_at)),
            )
        return await self.recap_of_week(subscription_id, week) if inserted == 1 else None

    async def recap_of_week(self, subscription_id: int, week: date) -> RecapRow | None:
        row = await self._one(
            "SELECT id, subscription_id, week, local_date, status, nonce, scheduled_at FROM recaps"
            " WHERE subscription_id = ? AND week = ?",
            (subscription_id, week.isoformat()),
        )
        if row is None:
            return None
        return RecapRow(
            id=row[0],
            subscription_id=row[1],
            week=date.fromisoformat(row[2]),
            local_date=date.fromisoformat(row[3]),
            status=RecapStatus(row[4]),
            nonce=row[5],
            scheduled_at=_dt_required(row[6]),
        )

    async def mark_recap(self, recap_id: int, status: RecapStatus, at: datetime, note: str = "") -> None:
        await self._write(
            "UPDATE recaps SET status = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,"
            " note = ? WHERE id = ? AND status = 'claimed'",
            (status.value, status.value, _ts(at), note, recap_id),
        )

    async def post_counts(self, subscription_id: int) -> list[PostCount]:
        rows = await self._all(
            "SELECT p.local_date, p.question_id, p.status = 'revealed',"
            " (SELECT COUNT(*) FROM replies r WHERE r.post_id = p.id AND r.on_time = 1)"
            " FROM posts p WHERE p.subscription_id = ? AND p.status IN ('posted', 'revealed')"
            " ORDER BY p.local_date",
            (subscription_id,),
        )
        return [PostCount(date.fromisoformat(r[0]), r[1], bool(r[2]), int(r[3])) for r in rows]


def _recap_time(weekday: int | None, at: str | None) -> RecapTime | None:
    return None if weekday is None or at is None else RecapTime(int(weekday), time.fromisoformat(at))
