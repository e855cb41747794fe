"""A person's own settings through the real service and the real Store (SQLite and PostgreSQL),
time on a fake clock: away days keep a streak without spending a freeze, a hidden row leaves the
board and still counts, both are each person's own per channel, and forget-me deletes both."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from bot.core.daily.streaks import Freezes, from_history
from bot.core.personal.away import MAX_AWAY
from bot.core.shared.errors import PlatformError
from bot.core.shared.messages import Message
from bot.core.shared.models import ChannelRef, User
from tests.conftest import CHANNEL, OTHER_CHANNEL, Harness
from tests.integration.test_service import ANA, BO, CY, reply, say, text

MONDAY_0600 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
NO_COOLDOWN = timedelta(0)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in the week of Monday 2 March 2026 (day 0), UTC."""
    return datetime(2026, 3, 2 + day, hour, minute, tzinfo=UTC)


async def board(h: Harness, channel: ChannelRef = CHANNEL) -> list[str]:
    shown = await say(h, "/streaks", user=CY, channel=channel, admin=False)
    assert not shown.private
    return shown.messages[0].body.splitlines()


async def day(h: Harness, offset: int, people: set[User]) -> None:
    """Day `offset`'s post at 09:00, answered by `people`, revealed at 17:00."""
    await h.run_until(at(offset, 9))
    for person in people:
        assert await reply(h, person)
    await h.run_until(at(offset, 17))


# ---------------------------------------------------------------- away days


async def test_an_away_day_neither_counts_nor_breaks_and_spends_no_freeze(
    harness_factory: Callable[..., Harness],
) -> None:
    rule = Freezes(every=1, cap=2)
    h = await harness_factory(MONDAY_0600, freezes=rule, command_cooldown=NO_COOLDOWN).start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    added = await say(h, "/practice away add 2026-03-03..2026-03-04", user=ANA, admin=False)
    assert added.private
    assert "Away days added (UTC): 2026-03-03..2026-03-04." in text(added)
    await day(h, 0, {ANA, BO})  # each earns a freeze
    await day(h, 1, set())  # Ana away; Bo spends his freeze
    await day(h, 2, {ANA, BO})  # answering on an away day counts as usual
    assert await board(h) == [
        "1. Ana - current 2, best 2, total 2, 2 freezes held",
        "2. Bo - current 2, best 2, total 2, 1 freeze held",
    ]
    await day(h, 3, set())  # Thursday: Ana is not away, both spend one
    state, _ = await h.store.streak_state(1)
    assert (state[ANA.id].current, state[ANA.id].freezes) == (2, 1)
    assert (state[BO.id].current, state[BO.id].freezes) == (2, 0)
    # the team streak counts answers: a day nobody answered breaks it, away or not
    team, closed = await h.store.team_streak(1)
    assert (team.current, team.best, closed) == (0, 1, 4)
    # the stored state is what the rule gives the history with who was away each day
    away = [frozenset(), frozenset({ANA.id}), frozenset({ANA.id}), frozenset()]
    assert state == from_history(await h.store.closed_history(1), rule, away)


async def test_away_days_are_listed_checked_and_refused_with_reasons(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN).start()
    refused = await say(h, "/practice away", user=BO, admin=False)
    assert refused.private and "This channel is not subscribed" in text(refused)
    await say(h, "/practice subscribe 09:00 Pacific/Auckland mon-fri reveal=8h")  # Monday 19:00 there
    empty = await say(h, "/practice away", user=BO, admin=False)
    assert (
        empty.private
        and "You have no away days ahead here. To set some: /practice away add 2026-03-02" in text(empty)
    )
    past = await say(h, "/practice away add 2026-03-01..2026-03-03", user=BO, admin=False)
    assert "2026-03-01 is in the past here (today is 2026-03-02): away days are for days to come" in text(
        past
    )
    far = await say(h, "/practice away add 2027-03-03 2027-03-05", user=BO, admin=False)
    assert "2027-03-05 is too far ahead: away days go at most 366 days ahead (up to 2027-03-03)" in text(far)
    assert await h.store.away_days(1, BO.id) == frozenset()  # nothing of a refused add was kept

    await say(h, "/practice away add 2026-03-02 2026-03-05", user=BO, admin=False)
    listed = await say(h, "/practice away list", user=BO, admin=False)
    assert listed.private
    assert "Your away days here (Pacific/Auckland): 2026-03-02, 2026-03-05." in text(listed)
    assert "You have no away days ahead here" in text(await say(h, "/practice away", user=CY, admin=False))
    again = await say(h, "/practice away add 2026-03-05", user=BO, admin=False)
    assert "Those days are away days of yours already." in text(again)
    gone = await say(h, "/practice away remove 2026-03-06", user=BO, admin=False)
    assert "None of 2026-03-06 was an away day of yours here." in text(gone)
    removed = await say(h, "/practice away remove 2026-03-05..2026-03-06", user=BO, admin=False)
    assert "Away days removed: 2026-03-05." in text(removed)

    # at most MAX_AWAY coming days: one longest range fits, a day more does not
    await say(h, "/practice away remove 2026-03-02", user=BO, admin=False)
    await say(h, "/practice away add 2026-04-01..2026-07-01", user=BO, admin=False)
    assert len(await h.store.away_days(1, BO.id)) == MAX_AWAY
    over = await say(h, "/practice away add 2026-03-10", user=BO, admin=False)
    assert f"that makes {MAX_AWAY + 1} coming away days; you can hold at most {MAX_AWAY} here" in text(over)
    assert len(await h.store.away_days(1, BO.id)) == MAX_AWAY


async def test_today_cannot_be_made_an_away_day_once_its_question_is_revealed(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN).start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    await h.run_until(at(0, 10))
    open_now = await say(h, "/practice away add 2026-03-02", user=ANA, admin=False)  # open: still counts
    assert "Away days added (UTC): 2026-03-02." in text(open_now)
    await h.run_until(at(0, 17))
    late = await say(h, "/practice away add 2026-03-02 2026-03-03", user=BO, admin=False)
    assert "today's question here is revealed already and your streak counted it" in text(late)
    assert await h.store.away_days(1, BO.id) == frozenset()


async def test_today_cannot_be_made_an_away_day_once_its_reveal_has_begun(
    harness_factory: Callable[..., Harness],
) -> None:
    """The model answer is in the thread but the reveal is still being retried (the platform
    refused the post's edit): the answers are counted as of its start, so today is closed."""
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN).start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    await day(h, 0, {ANA, BO})
    await h.run_until(at(1, 9))
    assert await reply(h, ANA)
    edit = h.platform.edit_post

    async def refused(channel: ChannelRef, message_id: str, message: Message) -> None:
        raise PlatformError("Discord answered 503")

    h.platform.edit_post = refused  # type: ignore[method-assign]
    await h.run_until(at(1, 17))
    assert any(s.message.title.startswith("Model answer") for s in h.platform.of("thread"))
    late = await say(h, "/practice away add 2026-03-03", user=BO, admin=False)
    assert "today's question here is revealed already" in text(late)
    assert await h.store.away_days(1, BO.id) == frozenset()
    h.platform.edit_post = edit  # type: ignore[method-assign]
    await h.run_until(at(1, 18))
    assert await board(h) == ["1. Ana - current 2, best 2, total 2", "2. Bo - current 0, best 1, total 1"]


async def test_away_days_are_each_persons_own_in_each_channel(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN).start()
    for channel in (CHANNEL, OTHER_CHANNEL):
        await say(h, "/practice subscribe 09:00 UTC daily reveal=8h", channel=channel)
    await say(h, "/practice away add 2026-03-03", user=ANA, admin=False)  # here, not in the other channel
    await h.run_until(at(0, 9))
    for channel in (CHANNEL, OTHER_CHANNEL):
        for person in (ANA, BO):
            assert await reply(h, person, channel)
    await h.run_until(at(1, 17))  # Tuesday: nobody answers anywhere
    assert await board(h) == ["1. Ana - current 1, best 1, total 1", "2. Bo - current 0, best 1, total 1"]
    assert await board(h, OTHER_CHANNEL) == [
        "1. Ana - current 0, best 1, total 1",
        "2. Bo - current 0, best 1, total 1",
    ]
    assert await h.store.away_on(1, date(2026, 3, 3)) == {ANA.id}
    assert await h.store.away_on(2, date(2026, 3, 3)) == set()


# ---------------------------------------------------------------- a row kept off the board


async def test_a_hidden_row_leaves_the_board_and_still_counts(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN, team_min_answers=3).start()
    refused = await say(h, "/streaks hide", user=BO, admin=False)
    assert refused.private and "This channel is not subscribed" in text(refused)
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h", channel=OTHER_CHANNEL)
    hidden = await say(h, "/streaks hide", user=BO, admin=False)
    assert hidden.private and "Your row is now left off this channel's board." in text(hidden)
    again = await say(h, "/streaks hide", user=BO, admin=False)
    assert "Your row is already left off this channel's board. /streaks show puts it back." in text(again)
    await day(h, 0, {ANA, BO, CY})
    assert await board(h) == [
        "1. Ana - current 1, best 1, total 1",
        "2. Cy - current 1, best 1, total 1",
        "... and 1 person who keeps their streak private",
    ]
    # the team streak counts Bo's answer (three needed), and Bo's own streak is his
    team, _ = await h.store.team_streak(1)
    assert team.current == 1
    mine = await say(h, "/streaks me", user=BO, admin=False)
    assert mine.private
    assert mine.messages[0].body == (
        "current 1, best 1, total 1\n"
        "Your row is hidden from this channel's board; your streak counts as always. /streaks show puts it back."
    )
    # an answer to the open post is counted, not shown, while the post is open
    await h.run_until(at(1, 9))
    assert await reply(h, BO)
    assert "Bo" not in "\n".join(await board(h))
    # per channel: on the other channel's board Bo is shown
    other = await say(h, "/streaks", user=CY, channel=OTHER_CHANNEL, admin=False)
    assert "private" not in text(other)
    shown = await say(h, "/streaks show", user=BO, admin=False)
    assert shown.private and "Your row is back on this channel's board." in text(shown)
    assert (await board(h))[0] == "1. Bo - current 2, best 2, total 2"
    twice = await say(h, "/streaks show", user=BO, admin=False)
    assert "Your row is on this channel's board already; /streaks hide leaves it off." in text(twice)


async def test_a_board_of_only_hidden_people_says_so_without_names(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN).start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    for person in (ANA, BO):
        await say(h, "/streaks hide", user=person, admin=False)
    await say(h, "/streaks hide", user=CY, admin=False)  # never answers: not counted
    await day(h, 0, {ANA, BO})
    assert await board(h) == [
        "Nobody on the board yet, beside 2 people who keep their streak private. Team streak: 1 (best 1)."
    ]


async def test_the_weekly_recap_names_nobody_who_keeps_their_row_private(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    for offset in range(3):
        await day(h, offset, {ANA, BO})
    subscription = await h.store.subscription(1)
    assert subscription is not None
    figures = await h.service.recaps.figures(subscription, date(2026, 3, 4))
    assert [user.id for user, _ in figures.kept] == [ANA.id, BO.id]
    await say(h, "/streaks hide", user=BO, admin=False)
    figures = await h.service.recaps.figures(subscription, date(2026, 3, 4))
    assert [user.id for user, _ in figures.kept] == [ANA.id]
    assert figures.team.current == 3  # the team's figures are everyone's


async def test_the_weekly_recap_counts_a_streak_kept_over_away_days_as_kept(
    harness_factory: Callable[..., Harness],
) -> None:
    """Away days are one person's holidays: the recap's "Kept their streak" asks them for the
    posts of the week they were there for, as it asks the channel for the days it posted."""
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    await say(h, "/practice away add 2026-03-02..2026-03-03", user=ANA, admin=False)
    await say(h, "/practice away add 2026-03-04", user=CY, admin=False)
    await day(h, 0, {BO})
    await day(h, 1, {BO, CY})
    await day(h, 2, {ANA, BO, CY})  # Cy answers on his away day: it counts as usual
    await day(h, 3, {ANA, BO})  # Cy is not away on Thursday: his streak breaks
    await day(h, 4, {ANA, BO, CY})
    subscription = await h.store.subscription(1)
    assert subscription is not None
    figures = await h.service.recaps.figures(subscription, date(2026, 3, 6))
    assert [(user.id, current) for user, current in figures.kept] == [(BO.id, 5), (ANA.id, 3)]


# ---------------------------------------------------------------- forget-me and the Store


async def test_forget_me_deletes_the_hidden_flag_and_the_away_days_on_that_platform_only(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN).start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h", channel=OTHER_CHANNEL)
    elsewhere = ChannelRef("other-platform", "W1", "C1")
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h", channel=elsewhere)
    for channel in (CHANNEL, OTHER_CHANNEL, elsewhere):
        await say(h, "/streaks hide", user=ANA, channel=channel, admin=False)
        await say(h, "/practice away add 2026-03-03..2026-03-05", user=ANA, channel=channel, admin=False)
    await say(h, "/streaks hide", user=BO, admin=False)
    await say(h, "/practice away add 2026-03-04", user=BO, admin=False)
    asked = await say(h, "/practice forget-me", user=ANA, admin=False)
    assert "away days and board setting" in text(asked)
    await say(h, "/practice forget-me confirm", user=ANA, admin=False)
    for subscription_id in (1, 2):
        assert await h.store.board_hidden(subscription_id) == ({BO.id} if subscription_id == 1 else set())
        assert await h.store.away_days(subscription_id, ANA.id) == frozenset()
    assert await h.store.away_on(1, date(2026, 3, 4)) == {BO.id}
    assert await h.store.board_hidden(3) == {ANA.id}  # another platform's person is another person
    assert len(await h.store.away_days(3, ANA.id)) == 3


async def test_forget_me_during_a_reveal_is_not_undone_by_the_streaks_it_writes(
    harness_factory: Callable[..., Harness],
) -> None:
    """Bo asks to be forgotten while the reveal's messages are on their way: the reveal read his
    answer before, and must not write his streak (and name) back once they are sent."""
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN).start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    await day(h, 0, {ANA, BO})
    await h.run_until(at(1, 9))
    assert await reply(h, ANA) and await reply(h, BO)
    send = h.platform.reply_in_thread

    async def forgotten_meanwhile(
        channel: ChannelRef, thread_id: str, message: Message, *, nonce: str = "", resend: bool = False
    ) -> None:
        await send(channel, thread_id, message, nonce=nonce, resend=resend)
        await say(h, "/practice forget-me confirm", user=BO, admin=False)

    h.platform.reply_in_thread = forgotten_meanwhile  # type: ignore[method-assign]
    await h.run_until(at(1, 17))
    state, names = await h.store.streak_state(1)
    assert BO.id not in state and BO.id not in names
    assert await board(h) == ["1. Ana - current 2, best 2, total 2"]
    h.platform.reply_in_thread = send  # type: ignore[method-assign]
    await h.run_until(at(2, 9))
    assert await reply(h, BO)  # what he does after it counts as usual
    await h.run_until(at(2, 17))
    assert await board(h) == ["1. Bo - current 1, best 1, total 1", "2. Ana - current 0, best 2, total 2"]


async def test_the_store_keeps_settings_per_person_and_forgets_old_away_days(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    store = h.store
    assert await store.set_board_hidden(1, "u-é 🙈", True)
    assert not await store.set_board_hidden(1, "u-é 🙈", True)
    assert await store.board_hidden(1) == {"u-é 🙈"}
    assert await store.set_board_hidden(1, "u-é 🙈", False)
    assert not await store.set_board_hidden(1, "u-é 🙈", False)
    assert await store.board_hidden(1) == set()

    days = [date(2026, 3, 2) + timedelta(days=i) for i in range(4)]
    assert await store.add_away_days(1, ANA.id, days, date(2026, 1, 1)) == 4
    assert await store.add_away_days(1, ANA.id, days[:2], date(2026, 1, 1)) == 0
    assert await store.add_away_days(1, BO.id, days[1:2], date(2026, 1, 1)) == 1
    assert await store.away_on(1, days[1]) == {ANA.id, BO.id}
    assert await store.remove_away_days(1, ANA.id, [days[1], date(2027, 1, 1)]) == 1
    assert await store.away_on(1, days[1]) == {BO.id}
    # adding forgets the person's days before `forget_before`, and nobody else's
    assert await store.add_away_days(1, ANA.id, [date(2026, 4, 1)], days[3]) == 1
    assert await store.away_days(1, ANA.id) == frozenset({days[3], date(2026, 4, 1)})
    assert await store.away_days(1, BO.id) == frozenset({days[1]})
