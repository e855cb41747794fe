"""The Store's blind answers: each person's hidden text for an open post, counted as their reply."""

from __future__ import annotations

from datetime import datetime

from bot.core.blind.ports import BlindStore
from bot.core.blind.rules import Saved
from bot.core.shared.models import User
from bot.storage.connection import INSERT_REPLY, Connection, _ts


class BlindAnswerTable(Connection, BlindStore):
    """Blind answers (table blind_answers)."""

    async def save_blind_answer(self, post_id: int, user: User, body: str, at: datetime) -> Saved | None:
        """Store a person's blind answer to an open post (replacing their text, keeping the first
        time) and count it as their reply, in one transaction. None: the post is not taking
        answers (not posted, or its reveal has begun)."""
        async with self._transaction() as db:
            open_ = await db.all(
                "SELECT 1 FROM posts WHERE id = ? AND status = 'posted' AND reveal_started_at IS NULL",
                (post_id,),
            )
            if not open_:
                return None
            before = await db.all(
                "SELECT 1 FROM blind_answers WHERE post_id = ? AND user_id = ?", (post_id, user.id)
            )
            await db.run(
                "INSERT INTO blind_answers (post_id, user_id, user_name, body, answered_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (post_id, user_id) DO UPDATE SET"
                " user_name = excluded.user_name, body = excluded.body, updated_at = excluded.updated_at",
                (post_id, user.id, user.name, body, _ts(at), _ts(at)),
            )
            counted = await db.run(INSERT_REPLY, (post_id, user.id, user.name, _ts(at), 1))  # on time
            return Saved(first=not before, counted=counted == 1)

    async def blind_answer(self, post_id: int, user_id: str) -> str | None:
        row = await self._one(
            "SELECT body FROM blind_answers WHERE post_id = ? AND user_id = ?", (post_id, user_id)
        )
        return None if row is None else str(row[0])

    async def blind_answers(self, post_id: int) -> list[tuple[User, str]]:
        """A post's blind answers, first answered first."""
        rows = await self._all(
            "SELECT user_id, user_name, body FROM blind_answers WHERE post_id = ?"
            " ORDER BY answered_at, user_id",
            (post_id,),
        )
        return [(User(r[0], r[1]), r[2]) for r in rows]
