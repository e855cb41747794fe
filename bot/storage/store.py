"""The Store's tables: subscriptions, posts, replies and streaks here, each feature's tables in a
module of its own beside it (self_checks, blind_answers, bookmarks, seasons, personal, recaps,
suggestions, stored_packs), all on one Database (connection.py): SQLite (sqlite_db.py) or
PostgreSQL (postgres_db.py). All SQL of the project lives in bot/storage and its migrations,
written once for both; every statement takes its values as parameters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.core.daily.ports import PostStore, ReplyStore, SubscriptionStore
from bot.core.daily.streaks import Streak
from bot.core.shared.models import (
    ChannelRef,
    Order,
    Post,
    PostedRef,
    PostStatus,
    Reveal,
    Schedule,
    StoredReply,
    Subscription,
    SubscriptionSettings,
    SubscriptionStatus,
    TeamStreak,
    User,
)
from bot.storage.blind_answers import BlindAnswerTable
from bot.storage.bookmarks import BookmarkTable
from bot.storage.connection import INSERT_REPLY, Database, _dt, _dt_required, _ts
from bot.storage.failures import FailureTable
from bot.storage.installations import InstallationTable
from bot.storage.leases import LeaseTable
from bot.storage.personal import PersonalTable
from bot.storage.recaps import RecapTable
from bot.storage.seasons import SeasonTable
from bot.storage.self_checks import SelfCheckTable
from bot.storage.stored_packs import StoredPackTable
from bot.storage.suggestions import SuggestionTable

log = logging.getLogger("practicebot.storage")


_SUBSCRIPTION_COLUMNS = (
    "id, platform, workspace_id, channel_id, post_time, timezone, days, reveal_minutes, levels, "
    "question_order, status, status_reason, schedule_from, created_at, season, season_started_at, "
    "(SELECT group_concat(h.local_date) FROM holidays h WHERE h.subscription_id = subscriptions.id), "
    "blind, packs, next_question"
)
_POST_COLUMNS = (
    "id, subscription_id, local_date, question_id, status, nonce, scheduled_at, posted_at, "
    "reveal_at, revealed_at, message_id, thread_id, note, reveal_started_at, season"
)


def _subscriptions(rows: Sequence[Sequence[Any]]) -> list[Subscription]:
    """Rows with the same settings columns share one (frozen) SubscriptionSettings: most
    subscriptions use one of a few schedules, and building the settings cost more than all the
    rest of a row (a quarter of start-up's own work with 10,000 subscriptions)."""
    shared: dict[tuple[Any, ...], SubscriptionSettings] = {}
    subscriptions = []
    for row in rows:
        key = (row[4], row[5], row[6], row[7], row[8], row[9], row[16], row[17], row[18])
        settings = shared.get(key)
        if settings is None:
            settings = shared[key] = _settings(row)
        subscriptions.append(_subscription(row, settings))
    return subscriptions


def _settings(row: Sequence[Any]) -> SubscriptionSettings:
    reveal = None if row[7] is None else timedelta(minutes=int(row[7]))
    return SubscriptionSettings(
        schedule=Schedule(
            at=time.fromisoformat(row[4]),
            timezone=row[5],
            days=frozenset(int(d) for d in row[6].split(",") if d),
            holidays=frozenset(date.fromisoformat(d) for d in (row[16] or "").split(",") if d),
        ),
        reveal=Reveal(after=reveal),
        levels=tuple(level for level in row[8].split(",") if level),
        order=Order(row[9]),
        blind=bool(row[17]),
        packs=tuple(pack for pack in row[18].split(",") if pack),
    )


def _subscription(row: Sequence[Any], settings: SubscriptionSettings | None = None) -> Subscription:
    return Subscription(
        id=row[0],
        channel=ChannelRef(row[1], row[2], row[3]),
        settings=_settings(row) if settings is None else settings,
        status=SubscriptionStatus(row[10]),
        status_reason=row[11],
        schedule_from=_dt_required(row[12]),
        created_at=_dt_required(row[13]),
        season=row[14],
        season_started_at=_dt(row[15]),
        next_question=row[19],
    )


def _post(row: Sequence[Any]) -> Post:
    return Post(
        id=row[0],
        subscription_id=row[1],
        local_date=date.fromisoformat(row[2]),
        question_id=row[3],
        status=PostStatus(row[4]),
        nonce=row[5],
        scheduled_at=_dt_required(row[6]),
        posted_at=_dt(row[7]),
        reveal_at=_dt(row[8]),
        revealed_at=_dt(row[9]),
        message_id=row[10],
        thread_id=row[11],
        note=row[12],
        reveal_started_at=_dt(row[13]),
        season=row[14],
    )


@dataclass(frozen=True, slots=True)
class _Reply:
    channel: ChannelRef
    thread_id: str
    user: User
    at: datetime

    @property
    def channel_key(self) -> tuple[str, str, str]:
        return (self.channel.platform, self.channel.workspace_id, self.channel.channel_id)


REPLY_BATCH = 200  # replies stored by one statement at most
_IN_FLIGHT = frozenset({"claimed", "posted"})  # the statuses of the partial index posts_in_flight


# ---------------------------------------------------------------- the store


class SqlStore(
    FailureTable,
    SelfCheckTable,
    BlindAnswerTable,
    BookmarkTable,
    SeasonTable,
    PersonalTable,
    RecapTable,
    LeaseTable,
    InstallationTable,
    SuggestionTable,
    StoredPackTable,
    SubscriptionStore,
    PostStore,
    ReplyStore,
):
    """The Store's tables on a Database: one SQLite file (SqliteStore), or PostgreSQL
    (bot/storage/postgres.py). The statements are the same for both."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._replies: list[tuple[_Reply, asyncio.Future[StoredReply | None]]] = []  # to store
        self._storing: asyncio.Task[None] | None = None

    async def close(self) -> None:
        if self._storing is not None:
            await asyncio.gather(self._storing, return_exceptions=True)
        await self._db.close()

    async def schema_version(self) -> int:
        return await self._db.schema_version()

    async def integrity_check(self) -> str:
        return await self._db.integrity_check()

    async def backup(self, target: Path) -> None:
        await self._db.backup(target)

    async def checkpoint(self) -> None:
        await self._db.checkpoint()

    async def probe_write(self, within: float) -> str:
        return await self._db.probe_write(within)

    # ------------------------------------------------------------ subscriptions

    async def subscription_for(self, channel: ChannelRef) -> Subscription | None:
        row = await self._one(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions "
            "WHERE platform = ? AND workspace_id = ? AND channel_id = ?",
            (channel.platform, channel.workspace_id, channel.channel_id),
        )
        return _subscription(row) if row else None

    async def subscription(self, subscription_id: int) -> Subscription | None:
        row = await self._one(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = ?", (subscription_id,)
        )
        return _subscription(row) if row else None

    async def subscriptions(self, status: SubscriptionStatus | None = None) -> list[Subscription]:
        if status is None:
            rows = await self._all(f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY id")
        else:
            rows = await self._all(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE status = ? ORDER BY id",
                (status.value,),
            )
        return _subscriptions(rows)

    async def subscription_counts(self) -> dict[str, int]:
        rows = await self._all("SELECT status, COUNT(*) FROM subscriptions GROUP BY status")
        return {status: count for status, count in rows}

    async def save_subscription(
        self,
        channel: ChannelRef,
        settings: SubscriptionSettings,
        schedule_from: datetime,
        now: datetime,
    ) -> Subscription:
        schedule = settings.schedule
        reveal = settings.reveal.after
        values = (
            schedule.at.strftime("%H:%M"),
            schedule.timezone,
            ",".join(str(d) for d in sorted(schedule.days)),
            None if reveal is None else int(reveal.total_seconds() // 60),
            ",".join(settings.levels),
            settings.order.value,
            int(settings.blind),
            ",".join(settings.packs),
            _ts(schedule_from),
            _ts(now),
        )
        async with self._transaction() as db:
            await db.run(
                "INSERT INTO subscriptions (platform, workspace_id, channel_id, post_time, timezone,"
                " days, reveal_minutes, levels, question_order, blind, packs, status, status_reason,"
                " schedule_from, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', '', ?, ?, ?)"
                " ON CONFLICT (platform, workspace_id, channel_id) DO UPDATE SET"
                " post_time = excluded.post_time, timezone = excluded.timezone,"
                " days = excluded.days, reveal_minutes = excluded.reveal_minutes,"
                " levels = excluded.levels, question_order = excluded.question_order,"
                " blind = excluded.blind, packs = excluded.packs, status = 'active', status_reason = '',"
                " schedule_from = excluded.schedule_from, updated_at = excluded.updated_at",
                (channel.platform, channel.workspace_id, channel.channel_id, *values, _ts(now)),
            )
        saved = await self.subscription_for(channel)
        assert saved is not None
        return saved

    async def set_status(
        self,
        subscription_id: int,
        status: SubscriptionStatus,
        reason: str,
        now: datetime,
        schedule_from: datetime | None = None,
    ) -> None:
        async with self._transaction() as db:
            await db.run(
                "UPDATE subscriptions SET status = ?, status_reason = ?, updated_at = ?,"
                " schedule_from = COALESCE(?, schedule_from) WHERE id = ?",
                (
                    status.value,
                    reason,
                    _ts(now),
                    None if schedule_from is None else _ts(schedule_from),
                    subscription_id,
                ),
            )

    # ------------------------------------------------------------ posts

    async def claim_post(
        self,
        subscription_id: int,
        local_date: date,
        question_id: str,
        scheduled_at: datetime,
        nonce: str,
        chosen: str | None = None,
    ) -> Post | None:
        async with self._transaction() as db:
            claimed = await db.all(
                "INSERT INTO posts (subscription_id, local_date, question_id, status, nonce,"
                " scheduled_at, season) VALUES (?, ?, ?, 'claimed', ?, ?,"
                " (SELECT season FROM subscriptions WHERE id = ?))"
                " ON CONFLICT (subscription_id, local_date) DO NOTHING RETURNING id",
                (
                    subscription_id,
                    local_date.isoformat(),
                    question_id,
                    nonce,
                    _ts(scheduled_at),
                    subscription_id,
                ),
            )
            if claimed:  # an admin's choice for the next post is spent by the post that took it
                await db.run(  # or passed it by (gone): it is not kept to come back later
                    "UPDATE subscriptions SET next_question = NULL WHERE id = ? AND next_question IN (?, ?)",
                    (subscription_id, question_id, chosen or question_id),
                )
        return await self.post(claimed[0][0]) if claimed else None

    async def set_next_question(self, subscription_id: int, question_id: str | None, now: datetime) -> None:
        async with self._transaction() as db:
            await db.run(
                "UPDATE subscriptions SET next_question = ?, updated_at = ? WHERE id = ?",
                (question_id, _ts(now), subscription_id),
            )

    async def mark_posted(
        self, post_id: int, ref: PostedRef, posted_at: datetime, reveal_at: datetime
    ) -> None:
        async with self._transaction() as db:
            await db.run(
                "UPDATE posts SET status = 'posted', message_id = ?, thread_id = ?,"
                " posted_at = ?, reveal_at = ? WHERE id = ? AND status = 'claimed'",
                (ref.message_id, ref.thread_id, _ts(posted_at), _ts(reveal_at), post_id),
            )

    async def mark_revealing(self, post_id: int, at: datetime) -> datetime:
        """Record when the reveal began (once); returns that instant."""
        async with self._transaction() as db:
            await db.run(
                "UPDATE posts SET reveal_started_at = COALESCE(reveal_started_at, ?)"
                " WHERE id = ? AND status = 'posted'",
                (_ts(at), post_id),
            )
        post = await self.post(post_id)
        return post.reveal_started_at if post and post.reveal_started_at else at

    async def forget_user(self, platform: str, user_id: str, at: datetime) -> tuple[int, int]:
        """Delete a person's replies, streak rows, self-checks, blind answers, away days and
        board setting on one platform, and leave a tombstone dated `at`: replies of theirs dated
        up to then that come back (a thread read back at start-up) are not stored again. Then the
        write-ahead log is emptied into the database, whose deleted cells are zeroed
        (secure_delete, set when it is opened): the deleted text is in neither file.
        Returns (replies, streak rows)."""
        async with self._transaction() as db:
            await db.run(
                "INSERT INTO forgotten (platform, user_id, forgotten_at) VALUES (?, ?, ?)"
                " ON CONFLICT (platform, user_id) DO UPDATE SET forgotten_at = excluded.forgotten_at",
                (platform, user_id, _ts(at)),
            )
            replies = await db.run(
                "DELETE FROM replies WHERE user_id = ? AND post_id IN (SELECT p.id FROM posts p"
                " JOIN subscriptions s ON s.id = p.subscription_id WHERE s.platform = ?)",
                (user_id, platform),
            )
            streaks = await db.run(
                "DELETE FROM streaks WHERE user_id = ? AND subscription_id IN"
                " (SELECT id FROM subscriptions WHERE platform = ?)",
                (user_id, platform),
            )
            await self._forget_self_checks(db, platform, user_id)
            await self._forget_personal(db, platform, user_id)
            await self._forget_suggestions(db, platform, user_id)
            await db.run(
                "DELETE FROM blind_answers WHERE user_id = ? AND post_id IN (SELECT p.id FROM posts p"
                " JOIN subscriptions s ON s.id = p.subscription_id WHERE s.platform = ?)",
                (user_id, platform),
            )
        await self.checkpoint()
        return replies, streaks

    async def mark_skipped(self, post_id: int, note: str) -> None:
        async with self._transaction() as db:
            await db.run(
                "UPDATE posts SET status = 'skipped', note = ? WHERE id = ? AND status = 'claimed'",
                (note, post_id),
            )

    async def record_skip(
        self, subscription_id: int, local_date: date, scheduled_at: datetime, note: str
    ) -> bool:
        async with self._transaction() as db:
            skipped = await db.run(
                "INSERT INTO posts (subscription_id, local_date, question_id, status, nonce,"
                " scheduled_at, note) VALUES (?, ?, '', 'skipped', '', ?, ?)"
                " ON CONFLICT (subscription_id, local_date) DO NOTHING",
                (subscription_id, local_date.isoformat(), _ts(scheduled_at), note),
            )
            return skipped == 1

    async def post(self, post_id: int) -> Post | None:
        row = await self._one(f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ?", (post_id,))
        return _post(row) if row else None

    async def post_on(self, subscription_id: int, local_date: date) -> Post | None:
        row = await self._one(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE subscription_id = ? AND local_date = ?",
            (subscription_id, local_date.isoformat()),
        )
        return _post(row) if row else None

    async def last_post(self, subscription_id: int) -> Post | None:
        row = await self._one(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE subscription_id = ?"
            " ORDER BY scheduled_at DESC, id DESC LIMIT 1",
            (subscription_id,),
        )
        return _post(row) if row else None

    async def last_scheduled(self) -> dict[int, datetime]:
        rows = await self._all(
            "SELECT subscription_id, MAX(scheduled_at) FROM posts GROUP BY subscription_id"
        )
        return {row[0]: _dt_required(row[1]) for row in rows}

    async def open_post(self, subscription_id: int) -> Post | None:
        row = await self._one(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE subscription_id = ? AND status = 'posted'"
            " ORDER BY id DESC LIMIT 1",
            (subscription_id,),
        )
        return _post(row) if row else None

    async def open_questions(self, platform: str) -> set[str]:
        """The questions of the posts still taking answers in any channel on `platform`."""
        rows = await self._all(  # the in-flight condition word for word: the partial index
            "SELECT DISTINCT p.question_id FROM posts p JOIN subscriptions s ON s.id = p.subscription_id"
            " WHERE p.status IN ('claimed', 'posted') AND p.status = 'posted' AND s.platform = ?",
            (platform,),
        )
        return {row[0] for row in rows}

    async def posts_with_status(self, *statuses: str) -> list[Post]:
        marks = ", ".join("?" for _ in statuses)
        # SQLite uses the partial index posts_in_flight only for a query that repeats its condition
        # word for word; without it, every look-up of claimed or open posts reads the whole table
        in_flight = "status IN ('claimed', 'posted') AND " if {str(s) for s in statuses} <= _IN_FLIGHT else ""
        rows = await self._all(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE {in_flight}status IN ({marks}) ORDER BY id",
            [str(s) for s in statuses],
        )
        return [_post(row) for row in rows]

    async def post_by_thread(self, channel: ChannelRef, thread_id: str) -> Post | None:
        row = await self._one(
            f"SELECT {', '.join('p.' + c.strip() for c in _POST_COLUMNS.split(','))}"
            " FROM posts p JOIN subscriptions s ON s.id = p.subscription_id"
            " WHERE p.thread_id = ? AND s.platform = ? AND s.workspace_id = ? AND s.channel_id = ?",
            (thread_id, channel.platform, channel.workspace_id, channel.channel_id),
        )
        return _post(row) if row else None

    async def question_history(self, subscription_id: int) -> list[str]:
        rows = await self._all(
            "SELECT question_id FROM posts WHERE subscription_id = ?"
            " AND (status IN ('claimed', 'posted', 'revealed')"
            # a post given up (see failures) counts as dealt: its question would only fail again
            " OR (status = 'skipped' AND EXISTS (SELECT 1 FROM failures f"
            " WHERE f.subscription_id = posts.subscription_id AND f.item = 'post ' || posts.id"
            " AND f.given_up = 1))) ORDER BY id",
            (subscription_id,),
        )
        return [row[0] for row in rows]

    # ------------------------------------------------------------ replies and streaks

    async def add_reply(self, post_id: int, user: User, at: datetime, on_time: bool) -> bool:
        return await self._write(INSERT_REPLY, (post_id, user.id, user.name, _ts(at), int(on_time))) == 1

    async def add_thread_reply(
        self, channel: ChannelRef, thread_id: str, user: User, at: datetime
    ) -> StoredReply | None:
        """Replies come in bursts (a busy thread, a read-back): those that arrive while a batch is
        being written wait, then go in together, in two statements however many (group commit)."""
        done: asyncio.Future[StoredReply | None] = asyncio.get_running_loop().create_future()
        self._replies.append((_Reply(channel, thread_id, user, at), done))
        if self._storing is None:
            self._storing = asyncio.create_task(self._store_replies())
        return await done

    async def _store_replies(self) -> None:
        batch: list[tuple[_Reply, asyncio.Future[StoredReply | None]]] = []
        try:
            while self._replies:
                batch, self._replies = self._replies[:REPLY_BATCH], self._replies[REPLY_BATCH:]
                try:
                    stored = await self._insert_replies([reply for reply, _ in batch])
                except Exception as exc:
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                for result, (_, done) in zip(stored, batch, strict=True):
                    if not done.done():
                        done.set_result(result)
        except BaseException:
            for _, done in batch + self._replies:
                done.cancel()
            self._replies = []
            raise
        finally:
            self._storing = None

    async def _insert_replies(self, replies: list[_Reply]) -> list[StoredReply | None]:
        """Each reply's daily post by its thread, then the answers those posts did not have yet."""
        first: dict[tuple[str, str, str, str, str], int] = {}
        for index, reply in enumerate(replies):
            first.setdefault((*reply.channel_key, reply.thread_id, reply.user.id), index)
        # the row's index is cast: PostgreSQL takes an untyped parameter in VALUES for text
        async with self._db.serial() as db:
            rows = await db.all(
                "SELECT v.column1, p.id, p.subscription_id, p.status = 'posted'"
                f" FROM (VALUES {', '.join(['(CAST(? AS INTEGER), ?, ?, ?, ?, ?, ?)'] * len(first))}) v"
                " JOIN subscriptions s ON s.platform = v.column2 AND s.workspace_id = v.column3"
                " AND s.channel_id = v.column4"
                " JOIN posts p ON p.subscription_id = s.id AND p.thread_id = v.column5"
                " WHERE p.status IN ('posted', 'revealed') AND NOT EXISTS (SELECT 1 FROM forgotten f"
                " WHERE f.platform = v.column2 AND f.user_id = v.column6 AND f.forgotten_at >= v.column7)",
                [
                    x
                    for i in first.values()
                    for x in (
                        i,
                        *replies[i].channel_key,
                        replies[i].thread_id,
                        replies[i].user.id,
                        _ts(replies[i].at),
                    )
                ],
            )
            posts = {row[0]: StoredReply(row[1], row[2], bool(row[3])) for row in rows}
            if not posts:
                return [None] * len(replies)
            inserted = await db.all(
                "INSERT INTO replies (post_id, user_id, user_name, replied_at, on_time)"
                f" VALUES {', '.join(['(?, ?, ?, ?, ?)'] * len(posts))}"
                " ON CONFLICT (post_id, user_id) DO NOTHING RETURNING post_id, user_id",
                [
                    x
                    for i, post in posts.items()
                    for x in (post.post_id, replies[i].user.id, replies[i].user.name, _ts(replies[i].at),
                              int(post.on_time))
                ],
            )  # fmt: skip
        new = {(row[0], row[1]) for row in inserted}
        return [
            post if (post := posts.get(i)) is not None and (post.post_id, reply.user.id) in new else None
            for i, reply in enumerate(replies)
        ]

    async def replies(self, post_id: int) -> list[tuple[User, datetime, bool]]:
        rows = await self._all(
            "SELECT user_id, user_name, replied_at, on_time FROM replies WHERE post_id = ?"
            " ORDER BY replied_at, user_id",
            (post_id,),
        )
        return [(User(r[0], r[1]), _dt_required(r[2]), bool(r[3])) for r in rows]

    async def on_time_answerers(self, post_id: int) -> dict[str, str]:
        rows = await self._all(
            "SELECT user_id, user_name FROM replies WHERE post_id = ? AND on_time = 1", (post_id,)
        )
        return dict(rows)

    async def streak_state(self, subscription_id: int) -> tuple[dict[str, Streak], dict[str, str]]:
        rows = await self._all(
            "SELECT user_id, user_name, current, best, total, freezes FROM streaks WHERE subscription_id = ?",
            (subscription_id,),
        )
        return {r[0]: Streak(r[2], r[3], r[4], r[5]) for r in rows}, {r[0]: r[1] for r in rows}

    async def team_streak(self, subscription_id: int) -> tuple[TeamStreak, int]:
        row = await self._one(
            "SELECT team_current, team_best,"
            " (SELECT COUNT(*) FROM posts WHERE subscription_id = s.id AND status = 'revealed'"
            " AND season = s.season)"
            " FROM subscriptions s WHERE id = ?",
            (subscription_id,),
        )
        if row is None:
            return TeamStreak(0, 0), 0
        return TeamStreak(row[0], row[1]), row[2]

    async def close_post(
        self,
        post_id: int,
        revealed_at: datetime,
        streaks: Mapping[str, Streak],
        names: Mapping[str, str],
        team: TeamStreak,
    ) -> None:
        async with self._transaction() as db:
            closed = await db.all(  # it counts in the season in effect now
                "UPDATE posts SET status = 'revealed', revealed_at = ?,"
                " season = (SELECT season FROM subscriptions WHERE id = posts.subscription_id)"
                " WHERE id = ? AND status = 'posted' RETURNING subscription_id",
                (_ts(revealed_at), post_id),
            )
            if not closed:
                return  # already closed: the streaks were counted then
            subscription_id = closed[0][0]
            await db.run(
                "UPDATE replies SET on_time = 0 WHERE post_id = ? AND replied_at >= ?",
                (post_id, _ts(revealed_at)),
            )
            await db.many(
                "INSERT INTO streaks (subscription_id, user_id, user_name, current, best, total, freezes)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subscription_id, user_id) DO UPDATE SET"
                " user_name = excluded.user_name, current = excluded.current,"
                " best = excluded.best, total = excluded.total, freezes = excluded.freezes",
                [
                    (subscription_id, user, names.get(user, user), s.current, s.best, s.total, s.freezes)
                    for user, s in streaks.items()
                ],
            )
            # a person forgotten since the cutoff (while the reveal was being sent) has no answer
            # here any more: the streaks read before must not write them back
            await db.run(
                "DELETE FROM streaks WHERE subscription_id = ? AND user_id IN (SELECT f.user_id"
                " FROM forgotten f JOIN subscriptions s ON s.platform = f.platform"
                " WHERE s.id = ? AND f.forgotten_at >= ?)",
                (subscription_id, subscription_id, _ts(revealed_at)),
            )
            await db.run(
                "UPDATE subscriptions SET team_current = ?, team_best = ? WHERE id = ?",
                (team.current, team.best, subscription_id),
            )

    async def closed_history(self, subscription_id: int) -> list[frozenset[str]]:
        """This season's closed posts (the streaks count nothing else)."""
        season = "(SELECT season FROM subscriptions WHERE id = ?)"
        posts = await self._all(
            "SELECT id FROM posts WHERE subscription_id = ? AND status = 'revealed'"
            f" AND season = {season} ORDER BY id",
            (subscription_id, subscription_id),
        )
        rows = await self._all(
            "SELECT r.post_id, r.user_id FROM replies r JOIN posts p ON p.id = r.post_id"
            f" WHERE p.subscription_id = ? AND p.status = 'revealed' AND p.season = {season}"
            " AND r.on_time = 1",
            (subscription_id, subscription_id),
        )
        answered: dict[int, set[str]] = {post_id: set() for (post_id,) in posts}
        for post_id, user_id in rows:
            answered[post_id].add(user_id)
        return [frozenset(answered[post_id]) for (post_id,) in posts]
