"""The Store's holidays and seasons."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot.core.calendar.ports import CalendarStore
from bot.core.calendar.seasons import SeasonState
from bot.core.daily.schedule import local_today
from bot.storage.connection import Connection, _dt_required, _ts


class SeasonTable(Connection, CalendarStore):
    """Holidays and seasons (table holidays; season columns on subscriptions, streaks and posts)."""

    async def add_holidays(self, subscription_id: int, dates: Iterable[date], forget_before: date) -> int:
        """Hold these holidays (and drop those before `forget_before`); returns how many are new."""
        async with self._transaction() as db:
            await db.run(
                "DELETE FROM holidays WHERE subscription_id = ? AND local_date < ?",
                (subscription_id, forget_before.isoformat()),
            )
            changed = await db.many(
                "INSERT INTO holidays (subscription_id, local_date) VALUES (?, ?)"
                " ON CONFLICT (subscription_id, local_date) DO NOTHING",
                [(subscription_id, day.isoformat()) for day in sorted(dates)],
            )
            return changed

    async def remove_holidays(self, subscription_id: int, dates: Iterable[date]) -> int:
        """Drop these holidays; returns how many were held."""
        async with self._transaction() as db:
            changed = await db.many(
                "DELETE FROM holidays WHERE subscription_id = ? AND local_date = ?",
                [(subscription_id, day.isoformat()) for day in sorted(dates)],
            )
            return changed

    async def start_season(self, subscription_id: int, now: datetime) -> int:
        """Start the next season: streaks and the team streak from zero, the best runs kept in
        the *_best_before columns; the open post counts in the new season. Returns its number."""
        async with self._transaction() as db:
            started = await db.all(
                "UPDATE subscriptions SET season = season + 1, season_started_at = ?, updated_at = ?,"
                " team_best_before = MAX(team_best_before, team_best), team_current = 0, team_best = 0"
                " WHERE id = ? RETURNING season",
                (_ts(now), _ts(now), subscription_id),
            )
            if not started:
                raise LookupError(f"no subscription {subscription_id}")
            season = int(started[0][0])
            await db.run(
                "UPDATE streaks SET best_before = MAX(best_before, best), current = 0, best = 0,"
                " total = 0, freezes = 0 WHERE subscription_id = ?",
                (subscription_id,),
            )
            await db.run(
                "UPDATE posts SET season = ? WHERE subscription_id = ? AND status IN ('claimed', 'posted')",
                (season, subscription_id),
            )
            return season

    async def season_state(self, subscription_id: int) -> SeasonState:
        """The season in effect and the best runs before it (one query; in season 1 one row)."""
        rows = await self._all(
            "SELECT s.season, COALESCE(s.season_started_at, s.created_at), s.timezone,"
            " s.team_best_before, st.user_id, st.best_before FROM subscriptions s"
            " LEFT JOIN streaks st ON st.subscription_id = s.id AND st.best_before > 0"
            " WHERE s.id = ?",
            (subscription_id,),
        )
        if not rows:
            raise LookupError(f"no subscription {subscription_id}")
        started_at = _dt_required(rows[0][1])
        return SeasonState(
            number=rows[0][0],
            started_at=started_at,
            started_on=local_today(rows[0][2], started_at),
            best_before={r[4]: r[5] for r in rows if r[4] is not None},
            team_best_before=rows[0][3],
        )
