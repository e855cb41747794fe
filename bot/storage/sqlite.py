"""The Store on SQLite through aiosqlite. All SQL of the project lives in this file and the
migrations beside it; every statement takes its values as parameters."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.blind import Saved
from bot.core.bookmarks import Added, Bookmark, Reminder
from bot.core.models import (
    Accuracy,
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
from bot.core.recap import PostCount, RecapRow, RecapStatus, RecapTime
from bot.core.review import Card
from bot.core.schedule import local_today
from bot.core.seasons import SeasonState
from bot.core.streaks import Streak

log = logging.getLogger("practicebot.storage")


# ---------------------------------------------------------------- migrations


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in `migrations/`, in order: `0001_initial.sql` ..."""
    found = []
    for entry in resources.files("bot.storage").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {[n for _, n, _ in found]}")
    return found


LATEST_VERSION = len(migrations())


def _statements(script: str) -> list[str]:
    """Split a migration into statements without `executescript`, which would commit."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise RuntimeError(f"incomplete SQL statement at the end of a migration: {buffer[:80]!r}")
    return statements


async def _wal(db: aiosqlite.Connection, within: float = 5.0) -> None:
    """Switch a new file to WAL. SQLite answers "locked" at once, without waiting, while another
    process (a second shard's, starting at the same time) switches it or migrates it: try again."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.05)


async def migrate(db: aiosqlite.Connection, target: int | None = None) -> tuple[int, int]:
    """Apply pending migrations in one transaction. Returns (version before, version after)."""
    target = LATEST_VERSION if target is None else target
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    before = int(row[0]) if row else 0
    if before > LATEST_VERSION:
        raise RuntimeError(
            f"the database is at schema version {before}, newer than this practicebot "
            f"({LATEST_VERSION}): upgrade practicebot"
        )
    pending = [m for m in migrations() if before < m[0] <= target]
    if not pending:
        return before, before
    await db.execute("BEGIN IMMEDIATE")
    try:
        # another process on the same file (a second shard's) may have migrated while we waited
        async with db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        before = int(row[0]) if row else 0
        pending = [m for m in pending if before < m[0]]
        if not pending:
            await db.rollback()
            return before, before
        for _version, name, sql in pending:
            for statement in _statements(sql):
                await db.execute(statement)
            log.info("applied migration %s", name)
        # PRAGMA takes no parameters; the value is an int from our own file names
        await db.execute(f"PRAGMA user_version = {int(pending[-1][0])}")
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    return before, pending[-1][0]


# ---------------------------------------------------------------- conversions


def _ts(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _dt_required(text: str) -> datetime:
    return datetime.fromisoformat(text)


_SUBSCRIPTION_COLUMNS = (
    "id, platform, workspace_id, channel_id, post_time, timezone, days, reveal_minutes, levels, "
    "question_order, status, status_reason, schedule_from, created_at, season, season_started_at, "
    "(SELECT group_concat(h.local_date) FROM holidays h WHERE h.subscription_id = subscriptions.id), "
    "blind"
)
_POST_COLUMNS = (
    "id, subscription_id, local_date, question_id, status, nonce, scheduled_at, posted_at, "
    "reveal_at, revealed_at, message_id, thread_id, note, reveal_started_at, season"
)


def _subscription(row: Sequence[Any]) -> Subscription:
    reveal = None if row[7] is None else timedelta(minutes=int(row[7]))
    return Subscription(
        id=row[0],
        channel=ChannelRef(row[1], row[2], row[3]),
        settings=SubscriptionSettings(
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
        ),
        status=SubscriptionStatus(row[10]),
        status_reason=row[11],
        schedule_from=_dt_required(row[12]),
        created_at=_dt_required(row[13]),
        season=row[14],
        season_started_at=_dt(row[15]),
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


class SqliteStore:
    """aiosqlite Store: WAL, synchronous=NORMAL, foreign keys, a busy timeout."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._write_lock = asyncio.Lock()
        self._replies: list[tuple[_Reply, asyncio.Future[StoredReply | None]]] = []  # to store
        self._storing: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path | str, *, migrate_schema: bool = True) -> SqliteStore:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            await _wal(db)
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA busy_timeout = 5000")
            if migrate_schema:
                await migrate(db)
        except BaseException:
            await db.close()
            raise
        return cls(db, path)

    async def close(self) -> None:
        if self._storing is not None:
            await asyncio.gather(self._storing, return_exceptions=True)
        await self._db.close()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time: handlers run concurrently on one connection, and
        SQLite has no nested transactions."""
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.rollback()
                raise
            await self._db.commit()

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        """One statement on its own: SQLite commits it atomically by itself, in one trip to the
        database thread instead of three (BEGIN, the statement, COMMIT)."""
        async with self._write_lock:
            return await self._db.execute(sql, params)

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return next(iter(await self._all(sql, params)), None)

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        # one trip to the database thread (execute, fetch, close there), not three
        return list(await self._db.execute_fetchall(sql, params))

    async def schema_version(self) -> int:
        row = await self._one("PRAGMA user_version")
        return int(row[0])

    async def integrity_check(self) -> str:
        row = await self._one("PRAGMA integrity_check")
        return str(row[0])

    async def backup(self, target: Path) -> None:
        """SQLite's online backup: a consistent copy while the bot keeps running."""
        target.parent.mkdir(parents=True, exist_ok=True)
        destination = await aiosqlite.connect(target)
        try:
            await self._db.backup(destination)
        finally:
            await destination.close()

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
        return [_subscription(row) for row in rows]

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
            _ts(schedule_from),
            _ts(now),
        )
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO subscriptions (platform, workspace_id, channel_id, post_time, timezone,"
                " days, reveal_minutes, levels, question_order, blind, status, status_reason,"
                " schedule_from, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', '', ?, ?, ?)"
                " ON CONFLICT (platform, workspace_id, channel_id) DO UPDATE SET"
                " post_time = excluded.post_time, timezone = excluded.timezone,"
                " days = excluded.days, reveal_minutes = excluded.reveal_minutes,"
                " levels = excluded.levels, question_order = excluded.question_order,"
                " blind = excluded.blind, status = 'active', status_reason = '',"
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
            await db.execute(
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
    ) -> Post | None:
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT INTO posts (subscription_id, local_date, question_id, status, nonce,"
                " scheduled_at, season) VALUES (?, ?, ?, 'claimed', ?, ?,"
                " (SELECT season FROM subscriptions WHERE id = ?))"
                " ON CONFLICT (subscription_id, local_date) DO NOTHING",
                (
                    subscription_id,
                    local_date.isoformat(),
                    question_id,
                    nonce,
                    _ts(scheduled_at),
                    subscription_id,
                ),
            )
            inserted = cursor.rowcount == 1
            post_id = cursor.lastrowid
        return await self.post(post_id) if inserted and post_id is not None else None

    async def mark_posted(
        self, post_id: int, ref: PostedRef, posted_at: datetime, reveal_at: datetime
    ) -> None:
        async with self._transaction() as db:
            await db.execute(
                "UPDATE posts SET status = 'posted', message_id = ?, thread_id = ?,"
                " posted_at = ?, reveal_at = ? WHERE id = ? AND status = 'claimed'",
                (ref.message_id, ref.thread_id, _ts(posted_at), _ts(reveal_at), post_id),
            )

    async def mark_revealing(self, post_id: int, at: datetime) -> datetime:
        """Record when the reveal began (once); returns that instant."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE posts SET reveal_started_at = COALESCE(reveal_started_at, ?)"
                " WHERE id = ? AND status = 'posted'",
                (_ts(at), post_id),
            )
        post = await self.post(post_id)
        return post.reveal_started_at if post and post.reveal_started_at else at

    async def forget_user(self, platform: str, user_id: str) -> tuple[int, int]:
        """Delete a person's replies, streak rows and self-checks on one platform: (replies, streak rows)."""
        async with self._transaction() as db:
            replies = await db.execute(
                "DELETE FROM replies WHERE user_id = ? AND post_id IN (SELECT p.id FROM posts p"
                " JOIN subscriptions s ON s.id = p.subscription_id WHERE s.platform = ?)",
                (user_id, platform),
            )
            streaks = await db.execute(
                "DELETE FROM streaks WHERE user_id = ? AND subscription_id IN"
                " (SELECT id FROM subscriptions WHERE platform = ?)",
                (user_id, platform),
            )
            await self._forget_self_checks(db, platform, user_id)
            await db.execute(
                "DELETE FROM blind_answers WHERE user_id = ? AND post_id IN (SELECT p.id FROM posts p"
                " JOIN subscriptions s ON s.id = p.subscription_id WHERE s.platform = ?)",
                (user_id, platform),
            )
            return replies.rowcount, streaks.rowcount

    async def mark_skipped(self, post_id: int, note: str) -> None:
        async with self._transaction() as db:
            await db.execute(
                "UPDATE posts SET status = 'skipped', note = ? WHERE id = ? AND status = 'claimed'",
                (note, post_id),
            )

    async def record_skip(
        self, subscription_id: int, local_date: date, scheduled_at: datetime, note: str
    ) -> bool:
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT INTO posts (subscription_id, local_date, question_id, status, nonce,"
                " scheduled_at, note) VALUES (?, ?, '', 'skipped', '', ?, ?)"
                " ON CONFLICT (subscription_id, local_date) DO NOTHING",
                (subscription_id, local_date.isoformat(), _ts(scheduled_at), note),
            )
            return cursor.rowcount == 1

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
            " AND status IN ('claimed', 'posted', 'revealed') ORDER BY id",
            (subscription_id,),
        )
        return [row[0] for row in rows]

    # ------------------------------------------------------------ replies and streaks

    async def add_reply(self, post_id: int, user: User, at: datetime, on_time: bool) -> bool:
        cursor = await self._write(
            "INSERT INTO replies (post_id, user_id, user_name, replied_at, on_time)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (post_id, user_id) DO NOTHING",
            (post_id, user.id, user.name, _ts(at), int(on_time)),
        )
        return cursor.rowcount == 1

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
        async with self._write_lock:
            rows = await self._db.execute_fetchall(
                "SELECT v.column1, p.id, p.subscription_id, p.status = 'posted'"
                f" FROM (VALUES {', '.join(['(?, ?, ?, ?, ?)'] * len(first))}) v"
                " JOIN subscriptions s ON s.platform = v.column2 AND s.workspace_id = v.column3"
                " AND s.channel_id = v.column4"
                " JOIN posts p ON p.subscription_id = s.id AND p.thread_id = v.column5"
                " WHERE p.status IN ('posted', 'revealed')",
                [x for i in first.values() for x in (i, *replies[i].channel_key, replies[i].thread_id)],
            )
            posts = {row[0]: StoredReply(row[1], row[2], bool(row[3])) for row in rows}
            if not posts:
                return [None] * len(replies)
            inserted = await self._db.execute_fetchall(
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
            cursor = await db.execute(  # it counts in the season in effect now
                "UPDATE posts SET status = 'revealed', revealed_at = ?,"
                " season = (SELECT season FROM subscriptions WHERE id = posts.subscription_id)"
                " WHERE id = ? AND status = 'posted' RETURNING subscription_id",
                (_ts(revealed_at), post_id),
            )
            row = await cursor.fetchone()
            await cursor.close()
            if row is None:
                return  # already closed: the streaks were counted then
            subscription_id = row[0]
            await db.execute(
                "UPDATE replies SET on_time = 0 WHERE post_id = ? AND replied_at >= ?",
                (post_id, _ts(revealed_at)),
            )
            await db.executemany(
                "INSERT INTO streaks (subscription_id, user_id, user_name, current, best, total, freezes)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subscription_id, user_id) DO UPDATE SET"
                " user_name = excluded.user_name, current = excluded.current,"
                " best = excluded.best, total = excluded.total, freezes = excluded.freezes",
                [
                    (subscription_id, user, names.get(user, user), s.current, s.best, s.total, s.freezes)
                    for user, s in streaks.items()
                ],
            )
            await db.execute(
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

    # ------------------------------------------------------------ self-checks

    async def has_answered(self, post_id: int, user_id: str) -> bool:
        row = await self._one("SELECT 1 FROM replies WHERE post_id = ? AND user_id = ?", (post_id, user_id))
        return row is not None

    async def save_self_check(
        self, post_id: int, user_id: str, covered: int, total: int, at: datetime
    ) -> int | None:
        """Store a person's self-check of a post, replacing theirs, and the channel's totals in
        the same transaction. Returns the count of key points it replaced, None for a first mark."""
        async with self._transaction() as db:
            old = next(iter(await db.execute_fetchall(
                "SELECT covered, total FROM self_checks WHERE post_id = ? AND user_id = ?",
                (post_id, user_id),
            )), None)  # fmt: skip
            await db.execute(
                "INSERT INTO self_checks (post_id, user_id, covered, total, marked_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (post_id, user_id) DO UPDATE SET"
                " covered = excluded.covered, total = excluded.total, marked_at = excluded.marked_at",
                (post_id, user_id, covered, total, _ts(at)),
            )
            old_covered, old_total = (old[0], old[1]) if old else (0, 0)
            await db.execute(
                "INSERT INTO self_check_totals (subscription_id, user_id, covered, total, checks)"
                " SELECT subscription_id, ?, ?, ?, ? FROM posts WHERE id = ?"
                " ON CONFLICT (subscription_id, user_id) DO UPDATE SET"
                " covered = covered + excluded.covered, total = total + excluded.total,"
                " checks = checks + excluded.checks",
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
    async def _forget_self_checks(db: aiosqlite.Connection, platform: str, user_id: str) -> None:
        await db.execute(
            "DELETE FROM self_checks WHERE user_id = ? AND post_id IN (SELECT p.id FROM posts p"
            " JOIN subscriptions s ON s.id = p.subscription_id WHERE s.platform = ?)",
            (user_id, platform),
        )
        await db.execute(
            "DELETE FROM self_check_totals WHERE user_id = ? AND subscription_id IN"
            " (SELECT id FROM subscriptions WHERE platform = ?)",
            (user_id, platform),
        )

    # ------------------------------------------------------------ blind answers

    async def save_blind_answer(self, post_id: int, user: User, body: str, at: datetime) -> Saved | None:
        """Store a person's blind answer to an open post (replacing their text, keeping the first
        time) and count it as their reply, in one transaction. None: the post is not taking
        answers (not posted, or its reveal has begun)."""
        async with self._transaction() as db:
            open_ = await db.execute_fetchall(
                "SELECT 1 FROM posts WHERE id = ? AND status = 'posted' AND reveal_started_at IS NULL",
                (post_id,),
            )
            if not open_:
                return None
            before = await db.execute_fetchall(
                "SELECT 1 FROM blind_answers WHERE post_id = ? AND user_id = ?", (post_id, user.id)
            )
            await db.execute(
                "INSERT INTO blind_answers (post_id, user_id, user_name, body, answered_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (post_id, user_id) DO UPDATE SET"
                " user_name = excluded.user_name, body = excluded.body, updated_at = excluded.updated_at",
                (post_id, user.id, user.name, body, _ts(at), _ts(at)),
            )
            reply = await db.execute(
                "INSERT INTO replies (post_id, user_id, user_name, replied_at, on_time)"
                " VALUES (?, ?, ?, ?, 1) ON CONFLICT (post_id, user_id) DO NOTHING",
                (post_id, user.id, user.name, _ts(at)),
            )
            return Saved(first=not before, counted=reply.rowcount == 1)

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

    # ------------------------------------------------------------ bookmarks and review

    async def add_bookmark(
        self, platform: str, user_id: str, question_id: str, at: datetime, limit: int
    ) -> Added:
        """Bookmark a question for a person, unless they have it already or hold `limit`."""
        async with self._transaction() as db:
            rows = await db.execute_fetchall(
                "SELECT COUNT(*), SUM(question_id = ?) FROM bookmarks WHERE platform = ? AND user_id = ?",
                (question_id, platform, user_id),
            )
            count, already = next(iter(rows))
            if already:
                return Added.ALREADY
            if count >= limit:
                return Added.FULL
            await db.execute(
                "INSERT INTO bookmarks (platform, user_id, question_id, created_at) VALUES (?, ?, ?, ?)",
                (platform, user_id, question_id, _ts(at)),
            )
            return Added.ADDED

    async def bookmarks(self, platform: str, user_id: str) -> list[Bookmark]:
        """A person's bookmarks with their cards, oldest first (the numbering /bookmarks shows)."""
        rows = await self._all(
            "SELECT question_id, created_at, repetitions, ease, interval_seconds, due_at FROM bookmarks"
            " WHERE platform = ? AND user_id = ? ORDER BY created_at, rowid",
            (platform, user_id),
        )
        return [
            Bookmark(r[0], _dt_required(r[1]), Card(r[2], r[3], timedelta(seconds=r[4]), _dt(r[5])))
            for r in rows
        ]

    async def remove_bookmark(self, platform: str, user_id: str, question_id: str) -> bool:
        cursor = await self._write(
            "DELETE FROM bookmarks WHERE platform = ? AND user_id = ? AND question_id = ?",
            (platform, user_id, question_id),
        )
        return cursor.rowcount == 1

    async def save_card(self, platform: str, user_id: str, question_id: str, card: Card) -> bool:
        """Store a bookmark's card after a review; False if it is no longer bookmarked."""
        cursor = await self._write(
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
        return cursor.rowcount == 1

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
            deleted = await db.execute(
                "DELETE FROM review_reminders WHERE platform = ? AND user_id = ? RETURNING last_reminded",
                (platform, user_id),
            )
            before = list(await deleted.fetchall())
            await deleted.close()
            if channel is not None:
                last = before[0][0] if before else None  # moving it keeps today's "already reminded"
                await db.execute(
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
        cursor = await self._write(
            "UPDATE review_reminders SET last_reminded = ? WHERE platform = ? AND user_id = ?"
            " AND (last_reminded IS NULL OR last_reminded <> ?)",
            (today.isoformat(), platform, user_id, today.isoformat()),
        )
        return cursor.rowcount == 1

    async def forget_bookmarks(self, platform: str, user_id: str) -> int:
        """Delete a person's bookmarks, cards and reminder on one platform; how many bookmarks."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "DELETE FROM bookmarks WHERE platform = ? AND user_id = ?", (platform, user_id)
            )
            await db.execute(
                "DELETE FROM review_reminders WHERE platform = ? AND user_id = ?", (platform, user_id)
            )
            return cursor.rowcount

    # ------------------------------------------------------------ holidays and seasons

    async def add_holidays(self, subscription_id: int, dates: Iterable[date], forget_before: date) -> int:
        """Hold these holidays (and drop those before `forget_before`); returns how many are new."""
        async with self._transaction() as db:
            await db.execute(
                "DELETE FROM holidays WHERE subscription_id = ? AND local_date < ?",
                (subscription_id, forget_before.isoformat()),
            )
            cursor = await db.executemany(
                "INSERT INTO holidays (subscription_id, local_date) VALUES (?, ?)"
                " ON CONFLICT (subscription_id, local_date) DO NOTHING",
                [(subscription_id, day.isoformat()) for day in sorted(dates)],
            )
            return max(cursor.rowcount, 0)

    async def remove_holidays(self, subscription_id: int, dates: Iterable[date]) -> int:
        """Drop these holidays; returns how many were held."""
        async with self._transaction() as db:
            cursor = await db.executemany(
                "DELETE FROM holidays WHERE subscription_id = ? AND local_date = ?",
                [(subscription_id, day.isoformat()) for day in sorted(dates)],
            )
            return max(cursor.rowcount, 0)

    async def start_season(self, subscription_id: int, now: datetime) -> int:
        """Start the next season: streaks and the team streak from zero, the best runs kept in
        the *_best_before columns; the open post counts in the new season. Returns its number."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE subscriptions SET season = season + 1, season_started_at = ?, updated_at = ?,"
                " team_best_before = MAX(team_best_before, team_best), team_current = 0, team_best = 0"
                " WHERE id = ? RETURNING season",
                (_ts(now), _ts(now), subscription_id),
            )
            row = await cursor.fetchone()
            await cursor.close()
            if row is None:
                raise LookupError(f"no subscription {subscription_id}")
            season = int(row[0])
            await db.execute(
                "UPDATE streaks SET best_before = MAX(best_before, best), current = 0, best = 0,"
                " total = 0, freezes = 0 WHERE subscription_id = ?",
                (subscription_id,),
            )
            await db.execute(
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

    # ------------------------------------------------------------ weekly recaps

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
            cursor = await db.execute(
                "INSERT INTO recaps (subscription_id, week, local_date, status, nonce, scheduled_at)"
                " VALUES (?, ?, ?, 'claimed', ?, ?) ON CONFLICT (subscription_id, week) DO NOTHING",
                (subscription_id, week.isoformat(), local_date.isoformat(), nonce, _ts(scheduled_at)),
            )
            inserted = cursor.rowcount == 1
        return await self.recap_of_week(subscription_id, week) if inserted else None

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
