"""The daily cycle through the real service and a real SQLite file, time driven by a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from bot.core.commands.grammar import parse_line
from bot.core.daily.streaks import Freezes, from_history
from bot.core.shared.errors import About, PlatformError
from bot.core.shared.messages import Message, Response
from bot.core.shared.models import Caller, ChannelRef, Post, PostStatus, SubscriptionStatus, User
from tests.conftest import CHANNEL, OTHER_CHANNEL, Harness

ANA, BO, CY = User("u-ana", "Ana"), User("u-bo", "Bo"), User("u-cy", "Cy")
MONDAY_0600 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


async def say(
    h: Harness, line: str, user: User = ANA, channel: ChannelRef = CHANNEL, admin: bool = True
) -> Response:
    return await h.service.handle(Caller(channel, user, admin), parse_line(line))


def text(response: Response) -> str:
    return "\n".join(
        f"{m.title}\n{m.body}\n" + "\n".join(f.value for f in m.fields) for m in response.messages
    )


async def reply(h: Harness, user: User, channel: ChannelRef = CHANNEL) -> bool:
    thread = await h.service.open_thread(channel)
    assert thread is not None
    return await h.service.record_reply(channel, thread, user)


async def test_a_day_subscribe_post_replies_reveal_board(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600).start()
    answer = await say(h, "/practice subscribe")
    assert not answer.private and "09:00 UTC on mon-fri" in text(answer)

    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    [post] = h.platform.of("post")
    assert post.message.title == "Beginner question 1?"  # progressive: beginner 1 first
    assert post.message.fields[0].value == "Beginner · 1 of 3"
    assert await reply(h, ANA) and await reply(h, BO)
    assert not await reply(h, ANA)  # a second reply by the same person does not count twice
    open_board = await say(h, "/streaks", user=CY, admin=False)  # before the reveal: counted already
    assert open_board.messages[0].body.splitlines()[:2] == [
        "1. Ana - current 1, best 1, total 1",
        "2. Bo - current 1, best 1, total 1",
    ]

    await h.run_until(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    [reveal] = h.platform.of("thread")
    assert reveal.message.body == "The model answer to beginner question 1."
    assert "<u:u-ana|Ana>, <u:u-bo|Bo>" in [
        f.value for f in reveal.message.fields if f.name == "Answered in time"
    ]
    [edit] = h.platform.of("edit")
    assert edit.message.body.startswith("Revealed") and "2 people answered" in edit.message.body

    board = await say(h, "/streaks", user=CY, admin=False)
    assert not board.private
    assert board.messages[0].body.splitlines() == [
        "1. Ana - current 1, best 1, total 1",
        "2. Bo - current 1, best 1, total 1",
    ]
    assert "Team streak: 1 (best 1)" in board.messages[0].footer


async def test_late_replies_are_stored_but_do_not_extend_the_streak(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    thread = await h.service.open_thread(CHANNEL)
    assert thread is not None
    await reply(h, ANA)
    await h.run_until(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))
    assert await h.service.record_reply(CHANNEL, thread, BO)  # after the reveal: stored as late
    board = (await say(h, "/streaks")).messages[0].body
    assert "Bo" not in board and "Ana - current 1" in board
    me = await say(h, "/streaks me", user=BO)
    assert me.private and "not answered a question here yet" in me.messages[0].body


async def test_streaks_run_across_weekends_and_break_on_a_missed_post(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    day = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for offset in (0, 1, 2, 3, 4, 7):  # Mon..Fri, then next Monday
        await h.run_until(day + timedelta(days=offset))
        await reply(h, ANA)
        if offset != 3:  # Bo misses Thursday
            await reply(h, BO)
        await h.run_until(day + timedelta(days=offset, hours=8))
    board = (await say(h, "/streaks")).messages[0].body.splitlines()
    assert board == ["1. Ana - current 6, best 6, total 6", "2. Bo - current 2, best 3, total 5"]
    assert len(h.platform.of("post")) == 6  # nothing on Saturday or Sunday
    state, _ = await h.store.streak_state(1)
    assert state == from_history(await h.store.closed_history(1), h.settings.freezes)


async def test_a_freeze_earned_by_answering_keeps_the_streak_over_a_missed_post(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, freezes=Freezes(every=2, cap=2)).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    day = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    async def post_answered_by(offset: int, *people: User) -> list[str]:
        await h.run_until(day + timedelta(days=offset))
        for person in people:
            await reply(h, person)
        await h.run_until(day + timedelta(days=offset, hours=8))
        return (await say(h, "/streaks", user=CY, admin=False)).messages[0].body.splitlines()

    await post_answered_by(0, ANA, BO)
    assert await post_answered_by(1, ANA) == [  # Ana's second answer earns a freeze; Bo has one answer
        "1. Ana - current 2, best 2, total 2, 1 freeze held",
        "2. Bo - current 0, best 1, total 1",
    ]
    me = await say(h, "/streaks me", user=ANA)
    assert me.messages[0].body == "current 2, best 2, total 2, 1 freeze held"
    assert await post_answered_by(2, BO) == [  # Ana misses Wednesday: the freeze is spent instead
        "1. Ana - current 2, best 2, total 2",
        "2. Bo - current 1, best 1, total 2, 1 freeze held",
    ]
    assert await post_answered_by(3, ANA) == [  # Ana's streak goes on; Bo's freeze saves his
        "1. Ana - current 3, best 3, total 3",
        "2. Bo - current 1, best 1, total 2",
    ]
    assert await post_answered_by(4) == [  # no freeze left: the next miss breaks both
        "1. Ana - current 0, best 3, total 3",
        "2. Bo - current 0, best 1, total 2",
    ]
    state, _ = await h.store.streak_state(1)
    assert state == from_history(await h.store.closed_history(1), Freezes(every=2, cap=2))


async def test_nine_in_berlin_posts_once_a_day_across_both_dst_changes(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(datetime(2026, 3, 27, 12, tzinfo=UTC)).start()
    await say(h, "/practice subscribe 09:00 Europe/Berlin daily reveal=1h")
    await h.run_until(datetime(2026, 3, 31, 12, tzinfo=UTC))
    spring = await _posted_at(h)
    assert spring == [
        datetime(2026, 3, 28, 8, tzinfo=UTC),
        datetime(2026, 3, 29, 7, tzinfo=UTC),
        datetime(2026, 3, 30, 7, tzinfo=UTC),
        datetime(2026, 3, 31, 7, tzinfo=UTC),
    ]
    h.clock.set(datetime(2026, 10, 23, 12, tzinfo=UTC))
    await say(h, "/practice subscribe")  # re-arm from the new "now" (keeps the settings)
    await h.run_until(datetime(2026, 10, 26, 12, tzinfo=UTC))
    autumn = (await _posted_at(h))[4:]
    assert autumn == [
        datetime(2026, 10, 24, 7, tzinfo=UTC),
        datetime(2026, 10, 25, 8, tzinfo=UTC),
        datetime(2026, 10, 26, 8, tzinfo=UTC),
    ]


async def test_fall_back_double_fire_and_a_spring_gap_time_still_post_once(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(datetime(2026, 10, 24, 12, tzinfo=UTC)).start()
    await say(h, "/practice subscribe 02:30 Europe/Berlin daily reveal=8h")
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    await h.run_until(first)
    h.clock.set(first + timedelta(hours=1))  # 02:30 CET: the wall time comes round again
    await h.service.run_post(1)  # as APScheduler's cron would fire a second time
    assert [p.local_date for p in await _posts(h)] == [date(2026, 10, 25)]

    g = await harness_factory(datetime(2026, 3, 28, 12, tzinfo=UTC)).start()
    await say(g, "/practice subscribe 02:30 Europe/Berlin daily reveal=8h")
    await g.run_until(datetime(2026, 3, 29, 12, tzinfo=UTC))
    assert await _posted_at(g) == [datetime(2026, 3, 29, 1, 0, tzinfo=UTC)]  # 03:00 CEST, first valid


async def test_two_subscriptions_in_different_zones(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(datetime(2026, 3, 1, 20, tzinfo=UTC)).start()
    await say(h, "/practice subscribe 09:00 Asia/Tokyo", channel=CHANNEL)
    await say(h, "/practice subscribe 09:00 America/New_York", channel=OTHER_CHANNEL)
    await h.run_until(datetime(2026, 3, 2, 23, tzinfo=UTC))
    sent = [
        (s.channel, (await h.store.post_by_thread(s.channel, f"t-{s.ref}"))) for s in h.platform.of("post")
    ]
    assert [(channel, post.posted_at if post else None) for channel, post in sent] == [
        (CHANNEL, datetime(2026, 3, 2, 0, 0, tzinfo=UTC)),  # 09:00 JST Monday
        (OTHER_CHANNEL, datetime(2026, 3, 2, 14, 0, tzinfo=UTC)),  # 09:00 EST Monday
    ]


async def test_restart_with_an_overdue_reveal_reveals_at_start(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await reply(h, ANA)
    h.clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    await h.restart(down_for=timedelta(hours=10))  # down over the 17:00 reveal
    assert h.timer.reveals == {1: datetime(2026, 3, 2, 17, 0, tzinfo=UTC)}  # re-armed from the database
    await h.run_until(h.clock.now())
    assert len(h.platform.of("thread")) == 1 and len(h.platform.of("post")) == 1
    assert "Ana - current 1" in (await say(h, "/streaks")).messages[0].body


async def test_missed_post_within_grace_is_made_at_start(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    await h.restart(down_for=timedelta(hours=3, minutes=40))  # back at 09:40, grace 1h
    [post] = await _posts(h)
    assert post.status is PostStatus.POSTED
    assert post.scheduled_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert post.posted_at == datetime(2026, 3, 2, 9, 40, tzinfo=UTC)
    assert post.reveal_at == datetime(2026, 3, 2, 17, 40, tzinfo=UTC)


async def test_each_subscription_on_one_schedule_is_caught_up_from_its_own_last_post(
    harness_factory: Callable[..., Harness],
) -> None:
    """Start-up works out each (schedule, last handled) pair's next post once: two channels
    on the same schedule whose last posts differ are still each armed or caught up on their own."""
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe", channel=CHANNEL)
    await say(h, "/practice subscribe", channel=OTHER_CHANNEL)
    monday_0900 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert await h.store.record_skip(1, date(2026, 3, 2), monday_0900, "test: handled")  # only CHANNEL's
    await h.restart(down_for=timedelta(hours=3, minutes=30))  # back at 09:30, within grace
    assert [(p.subscription_id, p.status) for p in await _posts(h)] == [
        (1, PostStatus.SKIPPED),
        (2, PostStatus.POSTED),  # OTHER_CHANNEL's 09:00 was still owed
    ]
    tuesday_0900 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert h.timer.posts == {1: tuesday_0900, 2: tuesday_0900}


async def test_missed_post_outside_grace_is_skipped_and_breaks_no_streak(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await reply(h, ANA)
    await h.run_until(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    await h.restart(down_for=timedelta(days=1, hours=2))  # Tuesday 19:00: 09:00 is 10h late
    posts = await _posts(h)
    assert [(p.local_date, p.status) for p in posts] == [
        (date(2026, 3, 2), PostStatus.REVEALED),
        (date(2026, 3, 3), PostStatus.SKIPPED),
    ]
    assert len(h.platform.of("post")) == 1  # nothing posted late
    refused = text(await say(h, "/practice post-now"))
    assert "Today was recorded as skipped (the bot was not running)" in refused
    assert h.timer.posts[1] == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    await h.run_until(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    await reply(h, ANA)
    await h.run_until(datetime(2026, 3, 4, 17, 0, tzinfo=UTC))
    assert "Ana - current 2, best 2, total 2" in (await say(h, "/streaks")).messages[0].body


async def test_post_now_counts_as_todays_post(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    assert text(await say(h, "/practice post-now")).strip() == "Posted today's question."
    refused = await say(h, "/practice post-now")
    assert refused.private and "already posted" in text(refused)
    await h.run_until(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert len(h.platform.of("post")) == 1  # the 09:00 run found today's post
    assert text(await say(h, "/practice reveal-now")).strip() == "Revealed."
    assert "no open question" in text(await say(h, "/practice reveal-now"))
    await h.run_until(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    titles = [s.message.title for s in h.platform.of("post")]
    assert titles == ["Beginner question 1?", "Beginner question 2?"]


async def test_a_new_post_first_reveals_the_open_one(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=next")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    [post] = await _posts(h)
    assert post.reveal_at == datetime(2026, 3, 3, 8, 59, tzinfo=UTC)  # just before the next post
    await reply(h, ANA)
    await h.run_until(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    kinds = [s.kind for s in h.platform.sent]
    assert kinds == ["post", "thread", "edit", "post"]


async def test_admin_commands_are_checked_on_every_call(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600).start()
    for line in ("/practice subscribe", "/practice post-now", "/practice pause", "/practice reveal-now"):
        refused = await say(h, line, user=BO, admin=False)
        assert refused.private and "is for channel admins" in text(refused)
    assert await h.store.subscription_for(CHANNEL) is None
    assert "not subscribed" in text(await say(h, "/practice status", user=BO, admin=False))


async def test_pause_and_resume_keep_history_and_skip_no_streak(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await reply(h, ANA)
    await h.run_until(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    await say(h, "/practice pause")
    assert "paused" in text(await say(h, "/practice status"))
    await h.run_until(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    assert len(h.platform.of("post")) == 1
    resumed = await say(h, "/practice resume")
    assert "Resumed" in text(resumed)
    await h.run_until(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    await reply(h, ANA)
    await h.run_until(datetime(2026, 3, 6, 17, 0, tzinfo=UTC))
    assert "Ana - current 2, best 2, total 2" in (await say(h, "/streaks")).messages[0].body
    assert [p.status for p in await _posts(h)] == [
        PostStatus.REVEALED,
        PostStatus.REVEALED,
    ]  # no skips recorded


async def test_a_channel_that_is_gone_pauses_only_that_subscription(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe", channel=CHANNEL)
    await say(h, "/practice subscribe", channel=OTHER_CHANNEL)
    h.platform.failures["C1"] = PlatformError("channel not found (404)", about=About.CHANNEL)
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert [s.channel for s in h.platform.of("post")] == [OTHER_CHANNEL]
    sub = await h.store.subscription_for(CHANNEL)
    assert sub is not None and sub.status is SubscriptionStatus.PAUSED
    assert "channel not found (404)" in text(await say(h, "/practice status"))
    assert 1 not in h.timer.posts


async def test_a_transient_failure_is_retried_and_posts_once(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    h.platform.failures["C1"] = PlatformError("500 from the platform")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert h.platform.of("post") == []
    assert h.timer.posts[1] == datetime(2026, 3, 2, 9, 1, tzinfo=UTC)
    del h.platform.failures["C1"]
    await h.run_until(datetime(2026, 3, 2, 9, 5, tzinfo=UTC))
    [post] = await _posts(h)
    assert post.status is PostStatus.POSTED and post.posted_at == datetime(2026, 3, 2, 9, 1, tzinfo=UTC)
    assert len(h.platform.of("post")) == 1
    assert h.timer.posts[1] == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


async def test_a_crash_between_claim_and_send_resends_with_the_same_nonce(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    post = await h.store.claim_post(
        1, date(2026, 3, 2), "testpack/beginner-01", datetime(2026, 3, 2, 9, tzinfo=UTC), "n0"
    )
    assert post is not None
    await h.platform.post_question(CHANNEL, Message(title="sent before the crash"), "n0")
    h.clock.set(datetime(2026, 3, 2, 9, 10, tzinfo=UTC))
    await h.restart()
    [resolved] = await _posts(h)
    assert resolved.status is PostStatus.POSTED and resolved.nonce == "n0"
    assert len(h.platform.of("post")) == 1  # the platform recognised the nonce: not posted twice


async def test_question_and_show_answer_are_private(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600).start()
    card = await say(h, "/question advanced", admin=False)
    assert card.private
    button, bookmark = card.messages[0].buttons
    assert button.action == "answer:testpack/advanced-01"
    assert bookmark.action == "bookmark:testpack/advanced-01"
    answer = await h.service.handle_action(Caller(CHANNEL, ANA, False), button.action)
    assert answer.private and answer.messages[0].body == "The model answer to advanced question 1."
    gone = await h.service.handle_action(Caller(CHANNEL, ANA, False), "answer:testpack/nope")
    assert "no longer in any pack" in text(gone)


async def _posts(h: Harness) -> list[Post]:
    rows = await h.store._all("SELECT id FROM posts ORDER BY id")
    return [post for r in rows if (post := await h.store.post(r[0])) is not None]


async def _posted_at(h: Harness) -> list[datetime]:
    return [p.posted_at for p in await _posts(h) if p.posted_at is not None]


async def test_replies_written_while_the_bot_was_down_are_read_back_at_start(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    thread = await h.service.open_thread(CHANNEL)
    assert thread is not None
    h.platform.history[thread] = [
        (ANA, datetime(2026, 3, 2, 9, 30, tzinfo=UTC)),
        (BO, datetime(2026, 3, 2, 10, 0, tzinfo=UTC)),
    ]
    await h.restart(down_for=timedelta(hours=2))
    await h.run_until(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    assert "<u:u-ana|Ana>, <u:u-bo|Bo>" in h.platform.of("thread")[0].message.fields[3].value


async def test_a_reply_written_after_start_but_before_events_flow_is_read_back(
    harness_factory: Callable[..., Harness],
) -> None:
    """Scheduling starts before the platform delivers events (Discord before READY): the read-back
    of open threads waits until events flow, so a reply written in between is not lost."""
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    thread = await h.service.open_thread(CHANNEL)
    assert thread is not None
    h.platform.events_flow.clear()  # the next start connects, but no events come in yet
    await h.restart(down_for=timedelta(minutes=30))
    h.platform.history[thread] = [(ANA, datetime(2026, 3, 2, 9, 31, tzinfo=UTC))]  # meanwhile
    h.platform.events_flow.set()
    await asyncio.gather(*h.service._waiting)  # events flow: the read-back starts
    await asyncio.gather(*h.service.background)
    [post] = await _posts(h)
    assert [user.id for user, _, _ in await h.store.replies(post.id)] == [ANA.id]


async def test_a_reveal_interrupted_by_a_crash_is_not_posted_twice_and_counts_the_same_replies(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await reply(h, ANA)
    h.clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    h.platform.failures["C1"] = PlatformError("502 while editing")
    await h.service.run_reveal(1)  # the reveal began, then the platform failed: still open
    [post] = await _posts(h)
    assert post.status is PostStatus.POSTED
    assert post.reveal_started_at == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    del h.platform.failures["C1"]
    await h.platform.reply_in_thread(
        CHANNEL, "t", Message(title="sent before the crash"), nonce=post.nonce + "r"
    )
    await h.restart(down_for=timedelta(minutes=30))
    await reply(h, BO)  # after the reveal began: late, even though the post is still open
    await h.run_until(h.clock.now())
    assert len(h.platform.of("thread")) == 1  # the resend was recognised by its nonce
    [closed] = await _posts(h)
    assert closed.status is PostStatus.REVEALED
    assert closed.revealed_at == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    board = (await say(h, "/streaks", user=CY)).messages[0].body
    assert board == "1. Ana - current 1, best 1, total 1"


async def test_forget_me_deletes_only_that_persons_answers_and_streaks(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await reply(h, ANA)
    await reply(h, BO)
    await h.run_until(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    ask = await say(h, "/practice forget-me", user=ANA, admin=False)
    assert "/practice forget-me confirm" in text(ask)
    assert "Ana" in (await say(h, "/streaks", user=CY)).messages[0].body  # nothing deleted yet
    done = await say(h, "/practice forget-me confirm", user=ANA, admin=False)
    assert text(done).strip() == "Done: 1 answer, 1 streak record and 0 bookmarks deleted."
    assert (await say(h, "/streaks", user=BO)).messages[0].body == "1. Bo - current 1, best 1, total 1"
    assert [u for u, _, _ in await h.store.replies(1)] == [BO]


async def test_a_post_missed_while_the_host_slept_says_so_and_not_that_the_bot_was_down(
    harness_factory: Callable[..., Harness],
) -> None:
    """Issue 15.12: a running bot whose host was suspended over the post time recorded the day
    as skipped "because the bot was not running"."""
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    await h.run_until(datetime(2026, 3, 2, 8, 50, tzinfo=UTC))
    h.clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))  # suspended 08:50-10:30, still running
    await h.run_until(h.clock.now())  # the first wake-up after it: 09:00 is 1.5 h late
    assert [p.status for p in await _posts(h)] == [PostStatus.SKIPPED]
    refused = text(await say(h, "/practice post-now"))
    assert "skipped (the host was suspended or its clock jumped while the bot ran)" in refused

    h.clock.set(datetime(2026, 3, 3, 9, 40, tzinfo=UTC))  # asleep again, woken within the grace
    await h.run_until(h.clock.now())
    assert [p.status for p in await _posts(h)] == [PostStatus.SKIPPED, PostStatus.POSTED]  # late


async def test_question_and_streaks_have_a_per_person_cooldown(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    assert (await say(h, "/question")).messages[0].buttons
    slow = await say(h, "/question")
    assert text(slow).strip() == "Easy there: /question again in 3s."
    assert (await say(h, "/question", user=BO)).messages[0].buttons  # others are not held up
    h.clock.advance(timedelta(seconds=3))
    assert (await say(h, "/question")).messages[0].buttons
