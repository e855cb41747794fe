"""The Store's personal settings: who keeps their row off a channel's board, and away days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.core.personal.ports import PersonalStore
from bot.storage.connection import Connection, Session


class PersonalTable(Connection, PersonalStore):
    """A person's settings in a channel (tables board_hidden, away_days)."""

    async def set_board_hidden(self, subscription_id: int, user_id: str, hidden: bool) -> bool:
        if hidden:
            statement = (
                "INSERT INTO board_hidden (subscription_id, user_id) VALUES (?, ?)"
                " ON CONFLICT (subscription_id, user_id) DO NOTHING"
            )
        else:
            statement = "DELETE FROM board_hidden WHERE subscription_id = ? AND user_id = ?"
        return await self._write(statement, (subscription_id, user_id)) == 1

    async def board_hidden(self, subscription_id: int) -> set[str]:
        rows = await self._all(
            "SELECT user_id FROM board_hidden WHERE subscription_id = ?", (subscription_id,)
        )
        return {row[0] for row in rows}

    async def away_days(self, subscription_id: int, user_id: str) -> frozenset[date]:
        rows = await self._all(
            "SELECT local_date FROM away_days WHERE subscription_id = ? AND user_id = ?",
            (subscription_id, user_id),
        )
        return frozenset(date.fromisoformat(row[0]) for row in rows)

    async def add_away_days(
        self, subscription_id: int, user_id: str, dates: Iterable[date], forget_before: date
    ) -> int:
        async with self._transaction() as db:
            await db.run(
                "DELETE FROM away_days WHERE subscription_id = ? AND user_id = ? AND local_date < ?",
                (subscription_id, user_id, forget_before.isoformat()),
            )
            return await db.many(
                "INSERT INTO away_days (subscription_id, user_id, local_date) VALUES (?, ?, ?)"
                " ON CONFLICT (subscription_id, user_id, local_date) DO NOTHING",
                [(subscription_id, user_id, day.isoformat()) for day in sorted(dates)],
            )

    async def remove_away_days(self, subscription_id: int, user_id: str, dates: Iterable[date]) -> int:
        async with self._transaction() as db:
            return await db.many(
                "DELETE FROM away_days WHERE subscription_id = ? AND user_id = ? AND local_date = ?",
                [(subscription_id, user_id, day.isoformat()) for day in sorted(dates)],
            )

    async def away_on(self, subscription_id: int, local_date: date) -> set[str]:
        rows = await self._all(
            "SELECT user_id FROM away_days WHERE subscription_id = ? AND local_date = ?",
            (subscription_id, local_date.isoformat()),
        )
        return {row[0] for row in rows}

    @staticmethod
    async def _forget_personal(db: Session, platform: str, user_id: str) -> None:
        """forget-me: the person's board setting and away days in every channel on `platform`."""
        await db.run(
            "DELETE FROM board_hidden WHERE user_id = ? AND subscription_id IN"
            " (SELECT id FROM subscriptions WHERE platform = ?)",
            (user_id, platform),
        )
        await db.run(
            "DELETE FROM away_days WHERE user_id = ? AND subscription_id IN"
            " (SELECT id FROM subscriptions WHERE platform = ?)",
            (user_id, platform),
        )
