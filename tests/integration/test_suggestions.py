"""Member suggestions through the real service and a real database (SQLite and PostgreSQL), the
fake clock and platform: the form, the queue and its cap, approve (as it is or edited) into the
channel's own pack, reject with a reason, the author told privately; admins checked by the
service itself. The own pack is a small one of the test's own (the OwnPack port; a fake of our
own port, not of a platform): it keeps what it is given and refuses a title it already holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.catalog.ports import Draft
from bot.core.commands.grammar import Practice
from bot.core.daily import messages as daily
from bot.core.daily.questions import own_pack_id
from bot.core.review import messages as review
from bot.core.shared.errors import PlatformError, UserError
from bot.core.shared.messages import Response
from bot.core.shared.models import Caller, ChannelRef, Question, User
from bot.core.suggest import rules
from bot.platforms.discord import render as discord_render
from tests.conftest import CHANNEL, OTHER_CHANNEL, Harness
from tests.integration.test_service import ANA, BO, CY, say, text

LEAD = User("u-lead", "Lead")
GOOD = {
    "level": "Intermediate",
    "title": "Why does TCP need a three-way handshake?",
    "summary": "Both sides must learn the other's initial sequence number.",
    "answer": "Each side picks an **ISN**; SYN, SYN-ACK, ACK confirm both.\n\n    indented code stays",
    "key_points": "- both ISNs are confirmed\n\n* old duplicate SYNs are rejected\n1. it costs one round trip",
}


class InTestPack:
    """The OwnPack port, kept in memory: what approvals added, per channel."""

    def __init__(self) -> None:
        self.added: list[tuple[ChannelRef, Draft, str]] = []
        self.uncredited: list[str] = []

    async def uncredit(self, question_ids: Sequence[str]) -> int:
        self.uncredited.extend(question_ids)
        return len(question_ids)

    async def add(self, channel: ChannelRef, draft: Draft, suggested_by: str) -> Question:
        if any(c == channel and d.title == draft.title for c, d, _ in self.added):
            raise UserError(f"title: the pack already has '{draft.title}'.")
        self.added.append((channel, draft, suggested_by))
        number = sum(1 for c, _, _ in self.added if c == channel)
        return Question(
            id=f"own/{draft.level}-{number:02d}",
            pack="own",
            level=draft.level,
            number=number,
            title=draft.title,
            summary=draft.summary,
            key_points=draft.key_points,
            follow_ups=(),
            references=(),
            tags=(),
            body=draft.answer,
            source=Path("own"),
            suggested_by=suggested_by,
        )


async def subscribed(harness_factory: Callable[..., Harness]) -> tuple[Harness, InTestPack]:
    h = harness_factory(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    h.own_pack = InTestPack()
    await h.start()
    await say(h, "/practice subscribe 09:00 UTC", user=LEAD)
    return h, h.own_pack


async def submit(
    h: Harness, values: dict[str, str], user: User = ANA, action: str = "suggest:new", admin: bool = False
) -> Response:
    return await h.service.submit_form(Caller(CHANNEL, user, admin), action, values)


async def test_a_suggestion_is_queued_approved_into_the_own_pack_and_its_author_told(
    harness_factory: Callable[..., Harness],
) -> None:
    h, pack = await subscribed(harness_factory)
    opened = await say(h, "/practice suggest", user=ANA, admin=False)
    assert opened.private and opened.form is not None and opened.form.action == "suggest:new"
    assert [f.name for f in opened.form.fields] == ["level", "title", "summary", "answer", "key_points"]
    queued = await submit(h, GOOD)
    assert queued.form is None and "#1 in this channel's review queue" in text(queued)

    h.clock.advance(timedelta(hours=2))
    listed = await say(h, "/practice queue", user=LEAD)
    assert "#1" in text(listed) and "Why does TCP need a three-way handshake?" in text(listed)
    assert "by <u:u-ana|Ana>" in text(listed)  # a name, never a ping
    assert "<t:" in text(listed)  # its age, in the reader's terms

    approved = await say(h, "/practice approve 1", user=LEAD)
    assert "Approved #1" in text(approved) and "own/intermediate-01" in text(approved)
    [(channel, draft, credit)] = pack.added
    assert channel == CHANNEL and credit == "Ana"
    assert draft.level == "intermediate" and draft.answer.endswith("    indented code stays")
    assert draft.key_points == (
        "both ISNs are confirmed",
        "old duplicate SYNs are rejected",
        "it costs one round trip",
    )
    [told] = h.platform.of("private")
    assert told.ref == ANA.id and "approved" in told.message.title
    assert "Why does TCP need a three-way handshake?" in told.message.body
    assert "No suggestions are waiting" in text(await say(h, "/practice queue", user=LEAD))
    again = await say(h, "/practice approve 1", user=LEAD)
    assert "already approved" in text(again) and len(pack.added) == 1


async def test_every_refused_field_is_named_at_once_and_nothing_is_stored(
    harness_factory: Callable[..., Harness],
) -> None:
    h, _ = await subscribed(harness_factory)
    bad = {
        "level": "intermediat",
        "title": "x" * 151,
        "summary": "",
        "answer": "fine",
        "key_points": "\n".join(f"point {i}" for i in range(7)),
    }
    refused = await submit(h, bad)
    assert refused.form is not None  # asked again, with what was typed
    assert {f.name: f.value for f in refused.form.fields} == bad
    errors = {f.name: f.error for f in refused.form.fields if f.error}
    assert set(errors) == {"level", "title", "summary", "key_points"}
    assert "did you mean intermediate?" in errors["level"]
    assert "151 characters; at most 150" in errors["title"]
    assert "7 key points; at most 6" in errors["key_points"]
    [message] = refused.messages  # Discord cannot answer a form with a form: the text comes back
    assert "point 6" in message.body and message.buttons[0].action == "suggest-again:suggest:new"
    assert await h.store.pending_suggestions(1) == []

    reopened = await h.service.handle_action(Caller(CHANNEL, ANA, False), "suggest-again:suggest:new")
    assert reopened.form is not None and reopened.form.fields[1].value == "x" * 151


async def test_a_person_has_at_most_three_waiting_per_channel(
    harness_factory: Callable[..., Harness],
) -> None:
    h, _ = await subscribed(harness_factory)
    for i in range(3):
        said = await submit(h, {**GOOD, "title": f"Question {i}?"})
        assert f"#{i + 1}" in text(said)
    assert "That is as many as can wait here" in text(said)
    full = await say(h, "/practice suggest", user=ANA, admin=False)
    assert full.form is None and "3 suggestions waiting for review here" in text(full)
    late = await submit(h, {**GOOD, "title": "A fourth, from a form opened before"})
    assert late.form is not None and "3 suggestions waiting" in late.form.error
    assert late.form.fields[1].value == "A fourth, from a form opened before"  # kept
    assert "#4" in text(await submit(h, GOOD, user=BO))  # another person's count is their own
    await say(h, "/practice reject 1 already in the pack", user=LEAD)
    assert "#5" in text(await submit(h, {**GOOD, "title": "Now there is room"}))


async def test_a_rejection_tells_the_author_why_privately_and_inert(
    harness_factory: Callable[..., Harness],
) -> None:
    h, pack = await subscribed(harness_factory)
    await submit(h, {**GOOD, "title": "Is *this* <@everyone> a question?"})
    rejected = await say(h, "/practice reject #1 it is a **duplicate** of <@everyone> stuff", user=LEAD)
    assert "Rejected #1" in text(rejected) and "Its author is told why" in text(rejected)
    [told] = h.platform.of("private")
    assert told.ref == ANA.id and "not taken" in told.message.title
    assert "\\*\\*duplicate\\*\\* of \\<\\@everyone\\> stuff" in told.message.body
    assert "Is \\*this\\* \\<\\@everyone\\> a question?" in told.message.body
    assert pack.added == []
    assert "already rejected" in text(await say(h, "/practice approve 1", user=LEAD))


async def test_an_admin_edits_before_approving_and_a_pack_refusal_keeps_it_pending(
    harness_factory: Callable[..., Harness],
) -> None:
    h, pack = await subscribed(harness_factory)
    await submit(h, GOOD)
    await submit(h, GOOD, user=BO)  # the same title: the pack will refuse it
    opened = await say(h, "/practice edit 1", user=LEAD)
    assert opened.form is not None and opened.form.action == "suggest-edit:1"
    assert opened.form.fields[1].value == GOOD["title"]  # pre-filled with the suggestion
    edited = {**GOOD, "title": "Why three steps in TCP's handshake?"}
    approved = await submit(h, edited, user=LEAD, action="suggest-edit:1", admin=True)
    assert "Approved #1" in text(approved)
    assert pack.added[0][1].title == "Why three steps in TCP's handshake?" and pack.added[0][2] == "Ana"

    await submit(h, {**GOOD, "title": "Why three steps in TCP's handshake?"}, user=CY)
    refused = await say(h, "/practice approve 3", user=LEAD)
    assert "#3 is still waiting" in text(refused) and "already has" in text(refused)
    edit_refused = await submit(h, edited, user=LEAD, action="suggest-edit:3", admin=True)
    assert edit_refused.form is not None and "already has" in edit_refused.form.error
    assert edit_refused.form.fields[1].value == edited["title"]  # the admin's edits are kept
    assert [s.number for s in await h.store.pending_suggestions(1)] == [2, 3]
    assert len(h.platform.of("private")) == 1  # only Ana's approval was told


async def test_admin_actions_are_checked_by_the_service_on_every_call(
    harness_factory: Callable[..., Harness],
) -> None:
    h, pack = await subscribed(harness_factory)
    await submit(h, GOOD)
    member = Caller(CHANNEL, BO, False)
    for command in (
        Practice("queue"),
        Practice("approve", suggestion=1),
        Practice("edit", suggestion=1),
        Practice("reject", suggestion=1, reason="no"),
    ):  # as if a platform's grammar had let them through
        refused = await h.service.handle(member, command)
        assert "is for channel admins" in text(refused), command
    edit = await submit(h, GOOD, user=BO, action="suggest-edit:1", admin=False)
    assert "for channel admins" in text(edit) and edit.form is None
    pressed = await h.service.handle_action(member, "suggest-again:suggest-edit:1")
    assert "for channel admins" in text(pressed)
    assert pack.added == [] and len(await h.store.pending_suggestions(1)) == 1


async def test_suggestions_belong_to_their_channel(harness_factory: Callable[..., Harness]) -> None:
    h, pack = await subscribed(harness_factory)
    await submit(h, GOOD)
    elsewhere = await say(h, "/practice suggest", user=ANA, channel=OTHER_CHANNEL, admin=False)
    assert rules.NOT_SUBSCRIBED in text(elsewhere)
    await say(h, "/practice subscribe 09:00 UTC", user=LEAD, channel=OTHER_CHANNEL)
    assert "No suggestions are waiting" in text(
        await say(h, "/practice queue", user=LEAD, channel=OTHER_CHANNEL)
    )
    other = await say(h, "/practice approve 1", user=LEAD, channel=OTHER_CHANNEL)
    assert "no suggestion #1 in this channel" in text(other) and pack.added == []


async def test_the_table_numbers_per_channel_keeps_the_text_and_decides_once(
    harness_factory: Callable[..., Harness],
) -> None:
    h, _ = await subscribed(harness_factory)
    await say(h, "/practice subscribe 09:00 UTC", user=LEAD, channel=OTHER_CHANNEL)
    store, at = h.store, datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    draft = Draft("advanced", "Ünïcødé 🧪 «title»", "a ’summary’", "line 1\n\n\tline 2 — ok", ("一", "二"))
    odd = User("u-odd", "Ｏdd ‮name")
    second = dataclasses.replace(draft, title="Ünïcødé 🧪 «title» 2")
    assert await store.add_suggestion(1, odd, draft, at, 3) == (1, 1)
    assert await store.add_suggestion(1, odd, draft, at, 3) == (1, 1)  # sent again: the same one
    assert await store.add_suggestion(1, odd, second, at, 3) == (2, 2)
    assert await store.add_suggestion(2, odd, draft, at, 3) == (1, 1)  # numbered per channel
    third = dataclasses.replace(draft, title="a third")
    assert await store.add_suggestion(1, odd, third, at, 2) is None  # at the cap: nothing stored
    assert await store.pending_count(1, odd.id) == 2
    kept = await store.suggestion(1, 2)
    assert kept is not None and kept.draft == second and kept.author == odd and kept.created_at == at
    assert await store.decide_suggestion(1, 1, "rejected", LEAD.id, at, reason="why")
    assert not await store.decide_suggestion(1, 1, "approved", LEAD.id, at, question_id="q")  # once
    assert [s.number for s in await store.pending_suggestions(1)] == [2]
    decided = await store.suggestion(1, 1)
    assert decided is not None and decided.status == "rejected"
    assert dataclasses.replace(decided, status="pending") == dataclasses.replace(kept, number=1, draft=draft)


async def test_forget_me_withdraws_a_waiting_suggestion_and_leaves_no_author_behind(
    harness_factory: Callable[..., Harness],
) -> None:
    h, pack = await subscribed(harness_factory)
    await submit(h, GOOD)  # 1: waits
    await submit(h, {**GOOD, "title": "What does the server's ACK confirm?"})  # 2: approved below
    await say(h, "/practice approve 2", user=LEAD)
    await say(h, "/practice forget-me confirm", user=ANA, admin=False)
    assert "No suggestions are waiting" in text(await say(h, "/practice queue", user=LEAD))
    assert (
        text(await say(h, "/practice approve 1", user=LEAD)).strip() == "Suggestion #1 was already rejected."
    )
    for number in (1, 2):
        kept = await h.store.suggestion(1, number)
        assert kept is not None and (kept.author.id, kept.author.name) == ("", "")
    withdrawn = await h.store.suggestion(1, 1)
    assert withdrawn is not None and withdrawn.draft.title == "" and withdrawn.status == "rejected"
    assert "#3 in this channel's review queue" in text(await submit(h, {**GOOD, "title": "A third"}, user=BO))
    assert len(pack.added) == 1


SNOWFLAKE_CHANNEL = ChannelRef("fake", "W1", "1234567890123456789")  # as long as a Discord channel id


async def test_an_approved_question_with_the_longest_title_keeps_every_button_on_discord(
    harness_factory: Callable[..., Harness],
) -> None:
    """The real own pack: a question id made from a 150-character title (twice, so the second is
    numbered) still fits every button that carries it in Discord's 100-character custom id
    (Bookmark, Show answer, the four grades), or the post would lose its Bookmark button."""
    h = await harness_factory(datetime(2026, 3, 2, 6, 0, tzinfo=UTC)).start()
    await say(h, "/practice subscribe 09:00 UTC", user=LEAD, channel=SNOWFLAKE_CHANNEL)
    title = "Why " + "does a very long question keep going " * 4
    title = title[: rules.TITLE_MAX]
    for author in (ANA, BO):
        await h.service.submit_form(
            Caller(SNOWFLAKE_CHANNEL, author, False), "suggest:new", {**GOOD, "title": title}
        )
    ids = []
    for number in (1, 2):
        said = await say(h, f"/practice approve {number}", user=LEAD, channel=SNOWFLAKE_CHANNEL)
        assert f"Approved #{number}" in text(said)
        ids.append(text(said).split(" as ")[1].split(",")[0])
    assert len(set(ids)) == 2
    for question_id in ids:
        question = h.bank.get(question_id)
        assert question is not None and question.title == title
        for message in (
            daily.question_post(question, 2, None),
            daily.answer_card(question),
            review.review_card(question, "Intermediate · 1 of 2", 1),
            review.review_answer(question),
        ):
            shown = [button for part in discord_render.render(message) for button in part.buttons]
            assert len(shown) == len(message.buttons), (question_id, message.buttons)


async def test_any_authors_name_is_credited_clean_and_short_and_never_stops_an_approval(
    harness_factory: Callable[..., Harness],
) -> None:
    """The real own pack: a display name is text from a person too (the terminal's `:user` takes
    anything). A name with a control character, a direction override, a lone surrogate or 120
    characters is queued, approved and credited on the post, cleaned and at most 100 characters;
    nothing the admin could fix (the form has no name in it) keeps it waiting."""
    h = await harness_factory(datetime(2026, 3, 2, 6, 0, tzinfo=UTC)).start()
    await say(h, "/practice subscribe 09:00 UTC", user=LEAD)
    names = {"u-esc": "Ana\x1b[2J", "u-rtl": "Bo \u202eyc", "u-sur": "Cy\ud800", "u-long": "Dee " * 30}
    for number, (user_id, name) in enumerate(names.items(), 1):
        queued = await submit(h, {**GOOD, "title": f"Question {number}?"}, user=User(user_id, name))
        assert f"#{number} in this channel's review queue" in text(queued)
    for number in range(1, len(names) + 1):
        approved = await say(h, f"/practice approve {number}", user=LEAD)
        assert f"Approved #{number}" in text(approved), text(approved)
    credits = [q.suggested_by for q in h.bank.questions if q.title.startswith("Question ")]
    assert credits[:3] == ["Ana[2J", "Bo yc", "Cy"]
    assert credits[3] == ("Dee " * 30)[:100].strip() and len(credits[3]) <= 100


async def test_an_approval_in_a_channel_that_chose_its_packs_says_how_to_draw_it(
    harness_factory: Callable[..., Harness],
) -> None:
    """The real own pack: a channel with packs= chosen does not draw from its own pack, so an
    approved suggestion would never be posted; the admin is told, as after an import."""
    h = await harness_factory(datetime(2026, 3, 2, 6, 0, tzinfo=UTC)).start()
    await say(h, "/practice subscribe 09:00 UTC packs=testpack", user=LEAD)
    await submit(h, GOOD)
    approved = text(await say(h, "/practice approve 1", user=LEAD))
    own = own_pack_id(CHANNEL)
    assert f"To draw from it here too: /practice subscribe packs=testpack,{own}" in approved
    await say(h, "/practice subscribe packs=all", user=LEAD)
    await submit(h, {**GOOD, "title": "Another one?"})
    assert "To draw from it" not in text(await say(h, "/practice approve 2", user=LEAD))


async def test_the_same_suggestion_sent_twice_while_it_waits_is_queued_once(
    harness_factory: Callable[..., Harness],
) -> None:
    """The answer to a submitted form can be lost on the way (a cut connection): the person sends
    the form again, and it is the same suggestion, not a second one counted against their cap."""
    h, _ = await subscribed(harness_factory)
    first = text(await submit(h, GOOD))
    again = text(await submit(h, GOOD))
    assert "#1 in this channel's review queue" in first and "#1 in this channel's review queue" in again
    assert [s.number for s in await h.store.pending_suggestions(1)] == [1]
    other = text(await submit(h, {**GOOD, "title": "Another question?"}))
    assert "#2 in this channel's review queue" in other
    await say(h, "/practice reject 1 no", user=LEAD)
    assert "#3 in this channel's review queue" in text(await submit(h, GOOD))  # decided: a new one


async def test_an_author_who_cannot_be_told_is_named_to_the_admin_with_the_reason(
    harness_factory: Callable[..., Harness],
) -> None:
    h, _ = await subscribed(harness_factory)
    await submit(h, GOOD)
    await submit(h, {**GOOD, "title": "Another question?"})
    h.platform.failures[CHANNEL.channel_id] = PlatformError("Slack answered cannot_dm_bot")
    approved = text(await say(h, "/practice approve 1", user=LEAD))
    assert approved.strip().endswith(
        "Its author could not be told (Slack answered cannot\\_dm\\_bot): tell them yourself."
    )
    rejected = text(await say(h, "/practice reject 2 too close", user=LEAD))
    assert rejected.strip() == (
        "Rejected #2: Another question?. Its author could not be told (Slack answered cannot\\_dm\\_bot):"
        " tell them yourself."
    )
    del h.platform.failures[CHANNEL.channel_id]
    await submit(h, {**GOOD, "title": "A third?"})
    told = text(await say(h, "/practice reject 3 no", user=LEAD))
    assert told.strip() == "Rejected #3: A third?. Its author is told why."
