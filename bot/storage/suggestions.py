"""The Store's suggestions: each channel's review queue (bot/core/suggest)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.catalog.ports import Draft
from bot.core.shared.models import User
from bot.core.suggest.ports import SuggestionStore
from bot.core.suggest.rules import Suggestion
from bot.storage.connection import Connection, Session, _dt_required, _ts

_COLUMNS = (
    "number, subscription_id, author_id, author_name, level, title, summary, answer, key_points, status,"
    " created_at"
)


class SuggestionTable(Connection, SuggestionStore):
    """Suggestions (table suggestions)."""

    async def add_suggestion(
        self, subscription_id: int, author: User, draft: Draft, at: datetime, cap: int
    ) -> tuple[int, int] | None:
        """Counted and numbered under a lock on the table (PostgreSQL; SQLite's write
        transactions take the whole file), so two at once neither pass the cap nor share a number.
        The same suggestion sent again while the first waits (its answer was lost on the way, and
        the person sent the form again) is that one, not a second."""
        async with self._db.transaction(locking="suggestions") as db:
            same = await db.all(
                "SELECT number, (SELECT COUNT(*) FROM suggestions p WHERE p.subscription_id = ?"
                " AND p.author_id = ? AND p.status = 'pending') FROM suggestions"
                " WHERE subscription_id = ? AND author_id = ? AND status = 'pending' AND level = ?"
                " AND title = ? AND summary = ? AND answer = ? AND key_points = ?",
                (subscription_id, author.id, subscription_id, author.id, draft.level, draft.title,
                 draft.summary, draft.answer, "\n".join(draft.key_points)),
            )  # fmt: skip
            if same:
                return int(same[0][0]), int(same[0][1])
            rows = await db.all(
                "SELECT COUNT(*) FILTER (WHERE author_id = ? AND status = 'pending'),"
                " COALESCE(MAX(number), 0) FROM suggestions WHERE subscription_id = ?",
                (author.id, subscription_id),
            )
            pending, last = next(iter(rows))
            if pending >= cap:
                return None
            await db.run(
                f"INSERT INTO suggestions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                (
                    last + 1,
                    subscription_id,
                    author.id,
                    author.name,
                    draft.level,
                    draft.title,
                    draft.summary,
                    draft.answer,
                    "\n".join(draft.key_points),
                    _ts(at),
                ),
            )
            return int(last) + 1, int(pending) + 1

    async def pending_count(self, subscription_id: int, author_id: str) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM suggestions"
            " WHERE subscription_id = ? AND author_id = ? AND status = 'pending'",
            (subscription_id, author_id),
        )
        return int(row[0])

    async def pending_suggestions(self, subscription_id: int) -> list[Suggestion]:
        rows = await self._all(
            f"SELECT {_COLUMNS} FROM suggestions WHERE subscription_id = ? AND status = 'pending'"
            " ORDER BY number",
            (subscription_id,),
        )
        return [_suggestion(row) for row in rows]

    async def suggestion(self, subscription_id: int, number: int) -> Suggestion | None:
        row = await self._one(
            f"SELECT {_COLUMNS} FROM suggestions WHERE subscription_id = ? AND number = ?",
            (subscription_id, number),
        )
        return None if row is None else _suggestion(row)

    async def decide_suggestion(
        self,
        subscription_id: int,
        number: int,
        status: str,
        decided_by: str,
        at: datetime,
        *,
        reason: str = "",
        question_id: str = "",
    ) -> bool:
        changed = await self._write(
            "UPDATE suggestions SET status = ?, decided_by = ?, decided_at = ?, reason = ?, question_id = ?"
            " WHERE subscription_id = ? AND number = ? AND status = 'pending'",
            (status, decided_by, _ts(at), reason, question_id, subscription_id, number),
        )
        return changed == 1

    async def approved_questions(self, platform: str, author_id: str) -> list[str]:
        rows = await self._all(
            "SELECT question_id FROM suggestions WHERE status = 'approved' AND question_id <> ''"
            " AND author_id = ? AND subscription_id IN (SELECT id FROM subscriptions WHERE platform = ?)"
            " ORDER BY subscription_id, number",
            (author_id, platform),
        )
        return [str(qid) for (qid,) in rows]

    @staticmethod
    async def _forget_suggestions(db: Session, platform: str, user_id: str) -> None:
        """forget-me: the person's suggestions on `platform` lose their author; those not approved
        lose their text too and leave the queue (withdrawn). Their numbers stay taken, so an
        admin's `approve 3` never lands on another suggestion. An approved question is the
        channel's now; its credit (the pack's suggested_by) is taken off first (SuggestDesk.forget)."""
        mine = "author_id = ? AND subscription_id IN (SELECT id FROM subscriptions WHERE platform = ?)"
        await db.run(
            "UPDATE suggestions SET title = '', summary = '', answer = '', key_points = '',"
            " status = 'rejected', reason = 'withdrawn: its author asked to be forgotten'"
            f" WHERE status <> 'approved' AND {mine}",
            (user_id, platform),
        )
        await db.run(
            f"UPDATE suggestions SET author_id = '', author_name = '' WHERE {mine}", (user_id, platform)
        )


def _suggestion(row: Sequence[Any]) -> Suggestion:
    return Suggestion(
        number=int(row[0]),
        subscription_id=int(row[1]),
        author=User(row[2], row[3]),
        draft=Draft(
            level=row[4],
            title=row[5],
            summary=row[6],
            answer=row[7],
            key_points=tuple(point for point in str(row[8]).split("\n") if point),
        ),
        status=row[9],
        created_at=_dt_required(row[10]),
    )
