"""`practicebot db copy SQLITE_FILE postgresql://...` as a real subprocess into a real PostgreSQL
server: a year of two channels' history arrives whole (every row of every table, the same values),
ids go on numbering after the copied ones, and the refusals say what to do: a target that is not
empty, a password in the URL, a source at an older schema."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage.postgres import PostgresStore
from bot.storage.sqlite import SqliteStore
from tests.conftest import ROOT, clean_env

PEOPLE = [("u1", "ana"), ("u2", "bo 🐙"), ("u3", "Zoë 'quote' \"double\""), ("u4", "cy\tname"), ("u5", "李")]


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def seed_a_year(path: Path) -> None:
    """Two subscriptions with a year of daily posts each, answered by some of five people, and a
    row or more in every other table (the test fails if a table is left empty, so a new table is
    covered too)."""
    rng = random.Random(4)
    start = datetime(2025, 12, 1, 9, tzinfo=UTC)
    with sqlite3.connect(path) as db:
        for sub, (platform, workspace, channel) in enumerate(
            [("discord", "81", "94"), ("slack", "T1", "C1")], 1
        ):
            db.execute(
                "INSERT INTO subscriptions (id, platform, workspace_id, channel_id, post_time, timezone, days,"
                " reveal_minutes, levels, question_order, status, status_reason, schedule_from, created_at,"
                " updated_at, season, season_started_at, blind) VALUES"
                " (?, ?, ?, ?, '09:00', 'Europe/Berlin', '0,1,2,3,4', ?, 'beginner', 'shuffled', ?, ?, ?, ?, ?,"
                " 2, ?, ?)",
                (sub, platform, workspace, channel, 480 if sub == 1 else None, "active" if sub == 1 else "paused",
                 "" if sub == 1 else "the bot lost access", iso(start), iso(start), iso(start),
                 iso(start + timedelta(days=100)), sub - 1),
            )  # fmt: skip
            for day in range(365):
                at = start + timedelta(days=day)
                post_id = sub * 1000 + day
                db.execute(
                    "INSERT INTO posts (id, subscription_id, local_date, question_id, status, nonce, scheduled_at,"
                    " posted_at, reveal_at, revealed_at, message_id, thread_id, note, reveal_started_at, season)"
                    " VALUES (?, ?, ?, ?, 'revealed', ?, ?, ?, ?, ?, ?, ?, '', ?, ?)",
                    (post_id, sub, at.date().isoformat(), f"websockets-realtime/beginner-{day % 20 + 1:02d}",
                     f"{post_id:020x}", iso(at), iso(at), iso(at + timedelta(hours=8)),
                     iso(at + timedelta(hours=8)), f"m{post_id}", f"t{post_id}", iso(at + timedelta(hours=8)),
                     1 if day < 100 else 2),
                )  # fmt: skip
                for user, name in PEOPLE:
                    if rng.random() < 0.6:
                        db.execute(
                            "INSERT INTO replies VALUES (?, ?, ?, ?, ?)",
                            (post_id, user, name, iso(at + timedelta(minutes=rng.randrange(600))), rng.random() < 0.9),
                        )  # fmt: skip
            db.execute("INSERT INTO holidays VALUES (?, ?)", (sub, date(2026, 12, 24).isoformat()))
            db.execute("INSERT INTO recap_settings VALUES (?, ?, ?)", (sub, 4 if sub == 1 else None, "16:00"))
            db.execute(
                "INSERT INTO recaps (subscription_id, week, local_date, status, nonce, scheduled_at, sent_at)"
                " VALUES (?, '2026-11-30', '2026-12-04', 'sent', ?, ?, ?)",
                (sub, f"r{sub:019x}", iso(start), iso(start)),
            )
            for user, name in PEOPLE:
                db.execute(
                    "INSERT INTO streaks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        sub,
                        user,
                        name,
                        rng.randrange(30),
                        rng.randrange(60, 90),
                        rng.randrange(100, 300),
                        1,
                        3,
                    ),
                )
                db.execute("INSERT INTO self_check_totals VALUES (?, ?, 7, 10, 2)", (sub, user))
            db.execute("INSERT INTO self_checks VALUES (?, 'u1', 3, 4, ?)", (sub * 1000, iso(start)))
            db.execute(
                "INSERT INTO blind_answers VALUES (?, 'u2', 'bo', ?, ?, ?)",
                (sub * 1000 + 364, "a blind answer with 'quotes', \\backslashes\\ and a\nnewline", iso(start), iso(start)),
            )  # fmt: skip
            db.execute(
                "INSERT INTO failures VALUES (?, 'post 12', 3, 'Discord answered 400 (50035)', ?, 1)",
                (sub, iso(start)),
            )
        db.execute(
            "INSERT INTO bookmarks VALUES ('discord', 'u1', 'websockets-realtime/beginner-01', ?, 2, 2.36, 518400, ?, 1)",
            (iso(start), iso(start + timedelta(days=6))),
        )
        db.execute("INSERT INTO review_reminders VALUES ('discord', 'u1', '81', '94', NULL)")
        db.execute("INSERT INTO forgotten VALUES ('slack', 'u9', ?)", (iso(start),))
        db.execute(
            "INSERT INTO leases VALUES ('discord', 'web-1 pid 42', 'web-1', 42, 'boot-1', ?, ?, ?)",
            (iso(start), iso(start), iso(start + timedelta(seconds=30))),
        )
        db.execute(
            "INSERT INTO slack_installations (team_id, enterprise_id, team_name, app_id, bot_token, bot_id,"
            " bot_user_id, bot_scopes, installer_id, installed_at)"
            " VALUES ('T1', '', 'Team', 'A1', 'xoxb-seed', 'B1', 'U0', 'chat:write', 'U1', ?)",
            (iso(start),),
        )
        db.execute("INSERT INTO slack_oauth_states VALUES ('state-1', ?)", (iso(start),))
        db.execute("INSERT INTO stored_packs VALUES ('own-discord-81', 'discord:1', ?, 'u1')", (iso(start),))
        db.execute(
            "INSERT INTO stored_pack_files VALUES ('own-discord-81', 'pack.toml', ?)",
            ('id = "own-discord-81"\nname = "Our own questions"\n',),
        )
        db.execute("INSERT INTO board_hidden VALUES (1, 'u3')")
        db.execute("INSERT INTO away_days VALUES (1, 'u2', '2026-12-28')")
        db.execute(
            "INSERT INTO suggestions (subscription_id, number, author_id, author_name, level, title, summary,"
            " answer, key_points, created_at) VALUES (1, 1, 'u2', 'bo', 'beginner', 'Why TCP?', 'Order.',"
            " 'Ordered bytes.', 'ordering', ?)",
            (iso(start),),
        )
        empty = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            if not db.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")').fetchone()[0]
        ]
        assert not empty, f"the seed leaves {empty} empty: give each a row"


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


async def postgres_rows(url: str, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    db = await asyncpg.connect(url)
    try:
        return {
            t: sorted((tuple(r) for r in await db.fetch(f'SELECT * FROM "{t}"')), key=repr) for t in tables
        }
    finally:
        await db.close()


def practicebot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy(*args: str) -> subprocess.CompletedProcess[str]:
    return practicebot("db", "copy", *args)


async def test_a_year_of_history_is_copied_whole_and_ids_go_on_after_it(
    tmp_path: Path, postgres_url: str
) -> None:
    source = tmp_path / "bot.sqlite3"
    store = await SqliteStore.open(source)
    await store.close()
    seed_a_year(source)

    done = await asyncio.to_thread(copy, str(source), postgres_url)
    assert done.returncode == 0, done.stderr
    assert "every count checked" in done.stdout and "posts 730" in done.stdout

    want = sqlite_rows(source)
    have = await postgres_rows(postgres_url, list(want))
    for table, rows in want.items():
        assert have[table] == rows, f"{table} differs after the copy"

    db = await asyncpg.connect(postgres_url)
    try:  # the next post, subscription and recap get a new id, not one a copied row holds
        post = await db.fetchval(
            "INSERT INTO posts (subscription_id, local_date, question_id, status, nonce, scheduled_at)"
            " VALUES (1, '2026-12-07', 'q', 'claimed', 'n', 'x') RETURNING id"
        )
        assert post == 2365
    finally:
        await db.close()

    # what people and admins see is the same on both: the board, the statuses, the exports
    sqlite_store, pg_store = (
        await SqliteStore.open_read_only(source),
        await PostgresStore.open(postgres_url, {}),
    )
    try:
        assert await pg_store.subscriptions() == await sqlite_store.subscriptions()
        for sub in (1, 2):
            assert await pg_store.streak_state(sub) == await sqlite_store.streak_state(sub)
            assert await pg_store.team_streak(sub) == await sqlite_store.team_streak(sub)
            assert await pg_store.failures(sub) == await sqlite_store.failures(sub)
    finally:
        await sqlite_store.close()
        await pg_store.close()
    for table in ("replies", "streaks"):
        exported = [
            await asyncio.to_thread(practicebot, "export", table, "--format", "json", "--database", where)
            for where in (str(source), postgres_url)
        ]
        assert exported[0].returncode == 0 and exported[0].stdout == exported[1].stdout, exported[1].stderr

    again = await asyncio.to_thread(copy, str(source), postgres_url)
    assert again.returncode == 1
    assert "is not empty (" in again.stderr and "copy into a new, empty database" in again.stderr
    assert await postgres_rows(postgres_url, ["replies"]) == {"replies": have["replies"]}  # nothing added


async def test_a_password_in_the_url_is_refused_and_never_printed(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "bot.sqlite3"
    store = await SqliteStore.open(source)
    await store.close()
    with_password = postgres_url.replace("practicebot@", "practicebot:hunter2-secret@")
    done = await asyncio.to_thread(copy, str(source), with_password)
    assert done.returncode == 1
    assert "holds a password: remove it and set $PRACTICEBOT_DATABASE_PASSWORD instead" in done.stderr
    assert "hunter2-secret" not in done.stdout + done.stderr


async def test_a_source_at_an_older_schema_is_refused_with_what_to_run(
    tmp_path: Path, postgres_url: str
) -> None:
    source = tmp_path / "old.sqlite3"
    with sqlite3.connect(source) as db:
        db.execute("PRAGMA user_version = 3")
    done = await asyncio.to_thread(copy, str(source), postgres_url)
    assert done.returncode == 1
    assert f"run `practicebot db migrate --database {source}` first" in done.stderr
    assert "Traceback" not in done.stderr
