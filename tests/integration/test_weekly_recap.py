"""The weekly recap through the real service and a real SQLite file, time driven by a fake clock:
when it goes out, that it goes out once a week whatever happens, and what admins can change."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.core.recap.rules import RecapStatus, week_of
from bot.core.shared.errors import About, PlatformError, UserError
from bot.core.shared.messages import Message, Picture
from bot.core.shared.models import Caller, User
from bot.render.recap_image import HEIGHT, WIDTH
from bot.storage.sqlite import LATEST_VERSION
from tests.conftest import CHANNEL, Harness, Sent, open_store
from tests.integration.test_service import ANA, BO, CY, reply, say, text

MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
# Friday 6 March 2026, 16:00 in Berlin (CET, UTC+1)
FRIDAY_1600_BERLIN = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
WEEK = date(2026, 3, 2)


async def berlin_week(h: Harness) -> None:
    """Subscribe in Berlin at 09:00, then a week of posts: Ana answers all, Bo some, Cy one."""
    await say(h, "/practice subscribe 09:00 Europe/Berlin mon-fri reveal=4h")
    answering = [(ANA, BO), (ANA, BO, CY), (ANA,), (ANA, BO), (ANA, BO)]
    for offset, people in enumerate(answering):
        await h.run_until(datetime(2026, 3, 2 + offset, 8, 0, tzinfo=UTC))
        for person in people:
            assert await reply(h, person)


def pictures(h: Harness) -> list[Sent]:
    return h.platform.of("picture")


async def test_the_recap_goes_out_on_friday_at_four_in_the_channels_zone(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    await berlin_week(h)
    await h.run_until(FRIDAY_1600_BERLIN - timedelta(seconds=1))
    assert pictures(h) == []
    await h.run_until(FRIDAY_1600_BERLIN)
    [sent] = pictures(h)
    assert sent.channel == CHANNEL
    fields = {f.name: f.value for f in sent.message.fields}
    assert sent.message.title == "Weekly recap: 28 Feb - 6 Mar"
    assert "5 questions and 10 answers this week" in sent.message.body
    assert fields["Kept their streak"] == "<u:u-ana|Ana> (5)"
    assert fields["Team streak"] == "5 (best 5)"
    assert fields["Answers per day"] == "Sat - · Sun - · Mon 2 · Tue 3 · Wed 1 · Thu 2 · Fri 2"
    assert "Most bookmarked" not in fields  # nothing bookmarked: no section
    assert sent.picture is not None
    image = Image.open(io.BytesIO(sent.picture.data))
    image.load()
    assert image.size == (WIDTH, HEIGHT) == (sent.picture.width, sent.picture.height)
    # the next one: a week later, still 16:00 in Berlin
    assert h.timer.recaps[1] == FRIDAY_1600_BERLIN + timedelta(days=7)
    row = await h.store.recap_of_week(1, WEEK)
    assert row is not None and row.status is RecapStatus.SENT and row.nonce == sent.ref


async def test_the_recap_lists_the_weeks_questions_the_channels_people_bookmarked_most(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    await berlin_week(h)
    posted = [await h.store.post_on(1, WEEK + timedelta(days=n)) for n in range(5)]
    monday, tuesday = (post.question_id for post in posted[:2] if post is not None)
    stranger = User("u-stranger", "Stranger")  # never answered here: not one of this channel's people
    for person in (ANA, BO, CY, stranger):
        await h.service.handle_action(Caller(CHANNEL, person, False), f"bookmark:{monday}")
    await h.service.handle_action(Caller(CHANNEL, BO, False), f"bookmark:{tuesday}")
    await h.run_until(FRIDAY_1600_BERLIN)
    [sent] = pictures(h)
    fields = {f.name: f.value for f in sent.message.fields}
    title = {q.id: q.title for q in h.bank.questions}
    assert fields["Most bookmarked"] == f"- {title[monday]} (3 bookmarks)\n- {title[tuesday]} (1 bookmark)"


async def test_the_recap_follows_the_clocks_into_summer_time(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(datetime(2026, 3, 23, 6, 0, tzinfo=UTC)).start()
    await say(h, "/practice subscribe 09:00 Europe/Berlin")
    await h.run_until(datetime(2026, 3, 27, 15, 0, tzinfo=UTC))  # Friday 16:00 CET
    assert len(pictures(h)) == 1
    await h.run_until(datetime(2026, 4, 3, 13, 59, tzinfo=UTC))
    assert len(pictures(h)) == 1
    await h.run_until(datetime(2026, 4, 3, 14, 0, tzinfo=UTC))  # Friday 16:00 CEST
    assert len(pictures(h)) == 2


async def test_never_twice_in_a_week_across_a_restart_or_a_new_recap_day(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    await berlin_week(h)
    await h.run_until(FRIDAY_1600_BERLIN)
    assert len(pictures(h)) == 1
    await h.restart(timedelta(minutes=5))  # within the grace: start-up looks again
    await h.run_until(h.clock.now() + timedelta(hours=1))
    assert len(pictures(h)) == 1
    answer = await say(h, "/practice recap sat 10:00")  # later in the same ISO week
    assert "weekly recap on sat 10:00 Europe/Berlin" in text(answer)
    await h.run_until(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    assert len(pictures(h)) == 1
    await h.run_until(datetime(2026, 3, 14, 9, 0, tzinfo=UTC))  # Saturday 10:00 of the next week
    assert len(pictures(h)) == 2


async def test_a_recap_sent_just_before_a_crash_is_not_sent_again(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    await berlin_week(h)
    await h.run_until(FRIDAY_1600_BERLIN - timedelta(minutes=1))
    # claimed and sent, then the process died before it could record that it was sent
    row = await h.store.claim_recap(1, WEEK, date(2026, 3, 6), FRIDAY_1600_BERLIN, "nonce-before-crash")
    assert row is not None
    before = Message(title="Weekly recap", body="sent before the crash")
    await h.platform.post_picture(CHANNEL, before, Picture("recap-2026-03-06.png", b"", 1, 1), row.nonce)
    await h.restart(timedelta(minutes=30))
    await h.run_until(h.clock.now())
    assert len(pictures(h)) == 1  # the platform knew the nonce: no second recap
    assert h.platform.resends == 1
    settled = await h.store.recap_of_week(1, WEEK)
    assert settled is not None and settled.status is RecapStatus.SENT


async def test_a_platform_outage_is_retried_with_the_same_nonce(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    await berlin_week(h)
    h.platform.failures[CHANNEL.channel_id] = PlatformError("Slack answered fatal_error")
    await h.run_until(FRIDAY_1600_BERLIN)
    assert pictures(h) == []
    claimed = await h.store.recap_of_week(1, WEEK)
    assert claimed is not None and claimed.status is RecapStatus.CLAIMED
    assert h.timer.recaps[1] == FRIDAY_1600_BERLIN + timedelta(minutes=1)
    del h.platform.failures[CHANNEL.channel_id]
    await h.run_until(FRIDAY_1600_BERLIN + timedelta(minutes=1))
    [sent] = pictures(h)
    assert sent.ref == claimed.nonce
    assert h.timer.recaps[1] == FRIDAY_1600_BERLIN + timedelta(days=7)


async def test_a_refusal_for_good_skips_the_weeks_recap_and_pauses_nothing(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    await berlin_week(h)
    await h.run_until(FRIDAY_1600_BERLIN - timedelta(minutes=1))
    h.platform.failures[CHANNEL.channel_id] = PlatformError(
        "no access on Discord (50013)", about=About.CHANNEL
    )
    await h.run_until(FRIDAY_1600_BERLIN)
    del h.platform.failures[CHANNEL.channel_id]
    row = await h.store.recap_of_week(1, WEEK)
    assert row is not None and row.status is RecapStatus.SKIPPED
    assert "Status:" not in text(await say(h, "/practice status"))  # still active
    await h.run_until(FRIDAY_1600_BERLIN + timedelta(days=7))
    assert len(pictures(h)) == 1  # the next week's comes


async def test_a_recap_missed_while_down_is_sent_late_only_within_the_grace(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    await berlin_week(h)
    await h.run_until(FRIDAY_1600_BERLIN - timedelta(minutes=10))
    await h.restart(timedelta(hours=4))  # down across 16:00, back at 19:50 in Berlin
    await h.run_until(h.clock.now())
    assert len(pictures(h)) == 1

    late = await harness_factory(MONDAY, database="late.sqlite3").start()
    await berlin_week(late)
    await late.run_until(FRIDAY_1600_BERLIN - timedelta(minutes=10))
    await late.restart(timedelta(hours=13))  # back on Saturday morning: past the 12h grace
    await late.run_until(late.clock.now())
    assert pictures(late) == []
    assert late.timer.recaps[1] == FRIDAY_1600_BERLIN + timedelta(days=7)


async def test_paused_and_unsubscribed_channels_get_no_recap(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY).start()
    await berlin_week(h)
    await say(h, "/practice pause")
    await h.run_until(FRIDAY_1600_BERLIN + timedelta(hours=1))
    assert pictures(h) == []
    await h.restart(timedelta(hours=1))
    await h.run_until(FRIDAY_1600_BERLIN + timedelta(days=7, hours=1))
    assert pictures(h) == []
    await say(h, "/practice resume")
    assert h.timer.recaps[1] == FRIDAY_1600_BERLIN + timedelta(days=14)
    await say(h, "/practice unsubscribe")
    await h.run_until(FRIDAY_1600_BERLIN + timedelta(days=15))
    assert pictures(h) == []


async def test_admins_set_the_day_and_time_or_turn_it_off(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY).start()
    await say(h, "/practice subscribe 09:00 America/New_York")
    shown = await say(h, "/practice recap")
    assert "Weekly recap: fri 16:00 America/New_York" in text(shown) and shown.private
    refused = await say(h, "/practice recap mon 09:30", user=BO, admin=False)
    assert text(refused).strip() == "/practice recap is for channel admins."
    with pytest.raises(UserError, match="'fridays' is not a day of the week: use mon, tue, wed, thu, fri"):
        await say(h, "/practice recap fridays 16:00")
    answer = await say(h, "/practice recap mon 09:30")
    assert not answer.private
    assert h.timer.recaps[1] == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 09:30 EST today
    assert "Weekly recap: mon 09:30 America/New_York" in text(await say(h, "/practice status"))
    await say(h, "/practice recap off")
    assert "Weekly recap: off" in text(await say(h, "/practice status"))
    await h.run_until(datetime(2026, 3, 17, tzinfo=UTC))
    assert pictures(h) == []
    await h.restart()  # off stays off after a restart
    await h.run_until(datetime(2026, 3, 24, tzinfo=UTC))
    assert pictures(h) == []


async def test_the_config_default_can_be_off(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY, recap=None).start()
    await say(h, "/practice subscribe")
    assert "Weekly recap: off" in text(await say(h, "/practice status"))
    await h.run_until(datetime(2026, 3, 14, tzinfo=UTC))
    assert pictures(h) == []
    await say(h, "/practice recap wed 12:00")
    await h.run_until(datetime(2026, 3, 18, 12, 0, tzinfo=UTC))
    assert len(pictures(h)) == 1


async def test_recap_now_sends_one_that_does_not_count_as_the_weeks(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    await berlin_week(h)
    refused = await say(h, "/practice recap-now", user=CY, admin=False)
    assert text(refused).strip() == "/practice recap-now is for channel admins."
    answer = await say(h, "/practice recap-now")
    assert "Sent a recap of the last seven days" in text(answer)
    [now] = pictures(h)
    assert now.message.title == "Weekly recap: 28 Feb - 6 Mar"  # the seven days up to today, Friday
    await h.run_until(FRIDAY_1600_BERLIN)
    assert len(pictures(h)) == 2
    h.platform.failures[CHANNEL.channel_id] = PlatformError("Slack answered fatal_error")
    failed = await say(h, "/practice recap-now")
    assert text(failed).strip() == "The recap could not be sent: Slack answered fatal_error"


async def test_the_schema_has_the_recap_tables(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "bot.sqlite3")
    try:
        assert await store.schema_version() == LATEST_VERSION
        assert await store.recap_times() == {}
        assert week_of(date(2026, 3, 8)) == WEEK  # a Sunday belongs to the week of its Monday
    finally:
        await store.close()


async def test_a_channel_subscribed_after_this_weeks_recap_time_waits_for_next_week(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(FRIDAY_1600_BERLIN + timedelta(minutes=30)).start()
    await say(h, "/practice subscribe 09:00 Europe/Berlin")
    assert h.timer.recaps[1] == FRIDAY_1600_BERLIN + timedelta(days=7)
    await h.restart(timedelta(minutes=30))  # within the grace of this week's: still not owed
    assert h.timer.recaps[1] == FRIDAY_1600_BERLIN + timedelta(days=7)
    await h.run_until(FRIDAY_1600_BERLIN + timedelta(days=7))
    assert len(pictures(h)) == 1
