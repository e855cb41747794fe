"""Blind answers through the real service and a real SQLite file, with the fake clock: hidden
until the reveal, published once together, counted like thread replies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.blind import rules as blind
from bot.core.shared.errors import PlatformError
from bot.core.shared.messages import Message, Response
from bot.core.shared.models import Caller, User
from tests.conftest import CHANNEL, OTHER_CHANNEL, Harness
from tests.integration.test_service import ANA, BO, CY, reply, say

DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
BEFORE = DAY - timedelta(hours=3)


async def submit(h: Harness, post_id: int, text: str, user: User = ANA) -> Response:
    typed = {blind.ANSWER_FIELD: text}
    return await h.service.submit_form(Caller(CHANNEL, user, False), blind.action(post_id), typed)


async def press(h: Harness, post_id: int, user: User = ANA) -> Response:
    return await h.service.handle_action(Caller(CHANNEL, user, False), blind.action(post_id))


def everything_shown(h: Harness) -> str:
    """Every text the bot put in front of the channel: posts, thread messages, edits."""

    def flat(m: Message) -> str:
        return "\n".join([m.title, m.body, *(f.value for f in m.fields), *(b.label for b in m.buttons)])

    return "\n".join(flat(s.message) for s in h.platform.sent if s.kind in ("post", "thread", "edit"))


async def blind_day(h: Harness) -> int:
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h answers=blind")
    await h.run_until(DAY)
    post = await h.store.open_post(1)
    assert post is not None
    return post.id


async def test_blind_answers_stay_hidden_until_the_reveal_then_appear_together(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(BEFORE).start()
    post_id = await blind_day(h)
    [posted] = h.platform.of("post")
    assert posted.message.buttons[0].action == f"blind:{post_id}"
    assert "stays hidden until the reveal" in posted.message.body

    form = await press(h, post_id)
    assert form.private and form.form is not None
    [box] = form.form.fields
    assert box.value == "" and form.form.action == f"blind:{post_id}"
    assert len(form.form.title) <= 45 and len(box.label) <= 45
    said = await submit(h, post_id, "Ana's *secret* answer about <@everyone> framing")
    assert said.private and said.messages[0].body == blind.SAVED
    h.clock.advance(timedelta(hours=1))
    assert (await submit(h, post_id, "Bo's hidden answer", BO)).messages[0].body == blind.SAVED
    assert "secret" not in everything_shown(h) and "hidden answer" not in everything_shown(h)

    await h.run_until(DAY + timedelta(hours=8))
    shown = everything_shown(h)
    [answers, model] = h.platform.of("thread")
    assert answers.message.title.startswith("Everyone's answers")
    assert "<u:u-ana|Ana> answered:" in answers.message.body
    assert "\\*secret\\*" in answers.message.body  # inert: no Markdown, no mention
    assert "\\<\\@everyone\\>" in answers.message.body
    assert "Bo's hidden answer" in answers.message.body
    assert answers.message.body.index("Ana") < answers.message.body.index("Bo")  # first answered first
    assert model.message.title.startswith("Model answer")
    assert "2 people answered in time" in shown
    board = (await say(h, "/streaks", user=CY)).messages[0].body
    assert "Ana - current 1" in board and "Bo - current 1" in board

    closed = await press(h, post_id)
    assert closed.form is None and closed.messages[0].body == blind.CLOSED
    late = await submit(h, post_id, "too late, but *mine* <@everyone>", CY)
    assert late.form is not None  # kept open:
    assert late.form.fields[0].value == "too late, but *mine* <@everyone>"
    assert late.form.error == blind.LATE  # quoted back, inert:
    assert late.messages[0].body == blind.LATE + "\n\ntoo late, but \\*mine\\* \\<\\@everyone\\>"
    assert await h.store.blind_answers(post_id) == [
        (ANA, "Ana's *secret* answer about <@everyone> framing"),
        (BO, "Bo's hidden answer"),
    ]


async def test_a_second_submission_replaces_the_text_and_keeps_the_first_time(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(BEFORE).start()
    post_id = await blind_day(h)
    first_at = h.clock.now()
    await submit(h, post_id, "first draft")
    h.clock.advance(timedelta(hours=2))
    again = await press(h, post_id)
    assert again.form is not None and again.form.fields[0].value == "first draft"  # pre-filled
    said = await submit(h, post_id, "final answer")
    assert said.messages[0].body == blind.REPLACED
    assert await h.store.blind_answers(post_id) == [(ANA, "final answer")]
    [(user, at, on_time)] = await h.store.replies(post_id)
    assert (user, at, on_time) == (ANA, first_at, True)
    await h.run_until(DAY + timedelta(hours=8))
    [answers, _] = h.platform.of("thread")
    assert "final answer" in answers.message.body and "first draft" not in answers.message.body


async def test_empty_and_over_long_answers_are_refused_and_nothing_is_stored(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(BEFORE).start()
    post_id = await blind_day(h)
    too_long = await submit(h, post_id, "x" * (blind.MAX_ANSWER + 1))
    assert too_long.form is not None  # asked again, with the reason
    assert too_long.form.error == too_long.messages[0].body
    assert f"answers take at most {blind.MAX_ANSWER}" in too_long.messages[0].body
    empty = await submit(h, post_id, "   \n ")
    assert "empty" in empty.messages[0].body
    assert await h.store.blind_answers(post_id) == []
    assert await h.store.replies(post_id) == []
    assert (await submit(h, post_id, "x" * blind.MAX_ANSWER)).messages[0].body == blind.SAVED


async def test_thread_replies_still_count_and_are_not_published_twice(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(BEFORE).start()
    post_id = await blind_day(h)
    assert await reply(h, CY)  # typed straight into the thread: counts
    await submit(h, post_id, "blind one")
    await h.run_until(DAY + timedelta(hours=8))
    board = (await say(h, "/streaks", user=CY)).messages[0].body
    assert "Ana - current 1" in board and "Cy - current 1" in board


async def test_a_restart_between_submission_and_reveal_loses_nothing_and_publishes_once(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(BEFORE).start()
    post_id = await blind_day(h)
    await submit(h, post_id, "survives a restart")
    await h.restart(timedelta(hours=1))
    await h.run_until(DAY + timedelta(hours=8))
    [answers, _] = h.platform.of("thread")
    assert "survives a restart" in answers.message.body
    await h.restart()
    await h.run_until(DAY + timedelta(days=1, hours=8))
    assert [s.message.title for s in h.platform.of("thread")].count(answers.message.title) == 1


async def test_a_reveal_resent_after_a_crash_posts_the_answers_once(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(BEFORE).start()
    post_id = await blind_day(h)
    await submit(h, post_id, "only once please")
    h.platform.failures[CHANNEL.channel_id] = PlatformError("503")
    await h.service.run_reveal(post_id)  # fails: retried later, reveal_started_at is kept
    assert h.platform.of("thread") == []
    del h.platform.failures[CHANNEL.channel_id]
    # half-sent: the answers went out, then the process died before the model answer
    post = await h.store.post(post_id)
    assert post is not None and post.reveal_started_at is not None
    await h.platform.reply_in_thread(
        CHANNEL, post.thread_id or "", Message(title="x"), nonce=post.nonce + "a"
    )
    await h.restart()
    await h.run_until(DAY + timedelta(hours=9))
    titles = [s.message.title for s in h.platform.of("thread")]
    assert not any(t.startswith("Everyone's answers") for t in titles)  # recognised by its nonce
    assert any(t.startswith("Model answer") for t in titles)
    late = await submit(h, post_id, "after")
    assert late.messages[0].body == blind.LATE + "\n\nafter"


async def test_the_answer_button_belongs_to_its_channel_and_open_channels_have_none(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(BEFORE).start()
    post_id = await blind_day(h)
    elsewhere = await h.service.handle_action(Caller(OTHER_CHANNEL, ANA, False), blind.action(post_id))
    assert elsewhere.form is None and "not posted in this channel" in elsewhere.messages[0].body
    junk = await h.service.handle_action(Caller(CHANNEL, ANA, False), "blind:nope")
    assert junk.form is None
    status = (await say(h, "/practice status")).messages[0].body
    assert "Answers: blind" in status
    await say(h, "/practice subscribe open")
    status = (await say(h, "/practice status")).messages[0].body
    assert "Answers: open" in status
    await h.run_until(DAY + timedelta(days=1))
    latest = h.platform.of("post")[-1]
    assert not any(b.action.startswith("blind:") for b in latest.message.buttons)
    assert "Answer in the thread" in latest.message.body


async def test_forget_me_deletes_a_hidden_answer_before_it_is_published(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(BEFORE).start()
    post_id = await blind_day(h)
    await submit(h, post_id, "please forget this")
    await submit(h, post_id, "Bo stays", BO)
    await say(h, "/practice forget-me confirm", user=ANA)
    await h.run_until(DAY + timedelta(hours=8))
    [answers, _] = h.platform.of("thread")
    assert "please forget this" not in answers.message.body and "Bo stays" in answers.message.body


def on_disk(h: Harness) -> bytes:
    """The database file and its write-ahead log, byte for byte."""
    wal = h.db_path.with_name(h.db_path.name + "-wal")
    return h.db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.mark.sqlite_only  # reads the SQLite file and its WAL for the deleted text
async def test_a_forgotten_person_stays_forgotten_across_a_read_back_and_their_text_is_gone(
    harness_factory: Callable[..., Harness],
) -> None:
    """Issue 15.7: the start-up read-back of the open thread brought the reply back (and the reveal
    a streak row), and the deleted text stayed in the database's write-ahead log."""
    h = await harness_factory(BEFORE).start()
    post_id = await blind_day(h)
    thread = await h.service.open_thread(CHANNEL)
    assert thread is not None
    await submit(h, post_id, "first draft: quokka-zebra-7731")
    await submit(h, post_id, "second draft: narwhal-ibis-4410")  # replaces the first
    h.clock.advance(timedelta(minutes=5))
    h.platform.history[thread] = [(ANA, h.clock.now()), (BO, h.clock.now())]  # they wrote there too
    assert await reply(h, BO)
    h.clock.advance(timedelta(minutes=5))
    await say(h, "/practice forget-me confirm", user=ANA)
    for gone in (b"quokka-zebra-7731", b"narwhal-ibis-4410"):
        assert gone not in on_disk(h)

    await h.restart(down_for=timedelta(hours=1))  # reads the thread back: Ana's reply is there
    await h.run_until(DAY + timedelta(hours=8))
    assert [user for user, _, _ in await h.store.replies(post_id)] == [BO]
    board = (await say(h, "/streaks", user=CY)).messages[0].body
    assert "Bo - current 1" in board and "Ana" not in board
    assert "narwhal" not in everything_shown(h)

    # acting again after forget-me counts as anyone's answer does
    await h.run_until(DAY + timedelta(days=1))
    tomorrow = await h.store.open_post(1)
    assert tomorrow is not None and tomorrow.id != post_id
    await submit(h, tomorrow.id, "a new answer")
    await h.restart()
    await h.run_until(DAY + timedelta(days=1, hours=8))
    assert "Ana - current 1" in (await say(h, "/streaks", user=CY)).messages[0].body
    for gone in (b"quokka-zebra-7731", b"narwhal-ibis-4410"):
        assert gone not in on_disk(h)
