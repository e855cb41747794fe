"""Whatever file a person attaches to /practice pack import (any name, any bytes, any text), the
answer is a clear refusal or a report, never another exception, and a refusal stores nothing.
The catalog desk runs with the real pack files (bot/packs/library.py) on an in-memory store of
our own port (a fake of our own port, not of a platform)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.core.catalog.desk import CatalogDesk
from bot.core.catalog.ports import StoredPack
from bot.core.commands.grammar import PackArgs
from bot.core.daily.questions import QuestionBank, own_pack_id
from bot.core.shared.errors import UserError
from bot.core.shared.messages import Attachment
from bot.core.shared.models import Caller, ChannelRef, Question, Subscription, User
from bot.packs.library import StoredPackFiles

ADMIN = Caller(ChannelRef("discord", "1", "2"), User("u1", "lead"), is_admin=True)
NOW = datetime(2026, 12, 8, tzinfo=UTC)


class MemoryPacks:
    """PackStore and the one SubscriptionStore call the desk makes, in memory."""

    def __init__(self) -> None:
        self.packs: dict[str, StoredPack] = {}

    async def stored_packs(self) -> list[StoredPack]:
        return list(self.packs.values())

    async def stored_pack(self, pack_id: str) -> StoredPack | None:
        return self.packs.get(pack_id)

    async def stored_scopes(self) -> dict[str, str]:
        return {pack_id: pack.scope for pack_id, pack in self.packs.items()}

    async def save_pack(self, pack: StoredPack, now: datetime) -> bool:
        self.packs[pack.pack_id] = pack
        return True

    async def subscription_for(self, channel: ChannelRef) -> Subscription | None:
        return None


class FixedClock:
    def now(self) -> datetime:
        return NOW


HEADER = "level,title,summary,answer,key_point_1,tags,number,id\n"
PRINTABLE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=200)


def _csv(rows: list[list[str]]) -> bytes:
    """Rows a spreadsheet would write (quoted as needed): most reach the loader's checks."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["level", "title", "summary", "answer", "key_point_1"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


CELL = st.text(max_size=60)  # any characters: control ones, surrogates, quotes, commas, newlines
CSV_ROW = st.lists(CELL, min_size=0, max_size=9).map(lambda cells: ",".join(cells))
FILES = st.one_of(
    st.binary(max_size=3000),
    st.lists(CSV_ROW, max_size=6).map(
        lambda rows: (HEADER + "\n".join(rows)).encode("utf-8", "surrogatepass")
    ),
    st.text(max_size=400).map(lambda text: text.encode("utf-8", "surrogatepass")),
)
NAMES = st.one_of(
    st.tuples(st.text(max_size=80), st.just(".csv")).map("".join),
    st.text(max_size=300),
    st.tuples(st.text(max_size=80), st.sampled_from([".csv", ".json", ".yaml", ".yml", ".apkg", ".CSV"])).map(
        "".join
    ),
)

PLAUSIBLE = st.lists(
    st.lists(st.one_of(PRINTABLE, CELL), min_size=4, max_size=4), min_size=1, max_size=4
).map(lambda rows: _csv([["beginner", *row] for row in rows]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=NAMES, data=FILES, into=st.one_of(st.none(), st.sampled_from(["team", own_pack_id(ADMIN.channel)]))
)
def test_any_attached_file_gets_a_report_or_a_refusal_and_a_refusal_stores_nothing(
    name: str, data: bytes, into: str | None
) -> None:
    _import_once(name, data, into)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.tuples(st.text(max_size=80), st.just(".csv")).map("".join), data=PLAUSIBLE)
def test_a_spreadsheets_rows_of_any_text_import_whole_or_are_refused_whole(name: str, data: bytes) -> None:
    _import_once(name, data, None)


def _import_once(name: str, data: bytes, into: str | None) -> None:
    store = MemoryPacks()
    bank = QuestionBank([])
    desk = CatalogDesk(store, store, StoredPackFiles(), bank, FixedClock())

    async def run() -> None:
        try:
            answer = await desk.handle(ADMIN, PackArgs("import", into=into), Attachment(name, data))
        except UserError as exc:
            event("refused")
            assert exc.message.strip()
            assert store.packs == {} and bank.packs == ()
            assert len(exc.message) < 6000  # fits a few chat messages, whatever the file held
            return
        event("imported")
        (said,) = [m.body for m in answer.messages]
        assert said.startswith("Imported ") and " 0 refused." in said
        assert len(store.packs) == 1 and len(bank.packs) == 1
        (stored,) = store.packs.values()  # what a restart loads gives the same questions
        assert (await StoredPackFiles().load(stored)).questions == bank.packs[0].questions

    asyncio.run(run())


DISCORD_ADMIN = Caller(
    ChannelRef("discord", "1190000000000000001", "1190000000000000002"), User("u1", "lead"), is_admin=True
)


def _buttons_on_each_platform(question: Question) -> list[list[str]]:
    """The buttons a person gets on the question's /question card, answer card, reveal and review
    card, as Discord and Slack show them (a button whose id is over the platform's limit is gone)."""
    from bot.core.daily import messages
    from bot.core.review.messages import review_answer, review_card
    from bot.platforms.discord import render as discord_render
    from bot.platforms.slack import render as slack_render

    cards = [
        messages.question_card(question, 1),
        messages.answer_card(question),
        messages.reveal(question, [], []),
        review_card(question, "beginner", 1),
        review_answer(question),
    ]
    shown = []
    for card in cards:
        shown.append([label for part in discord_render.render(card) for label, _ in part.buttons])
        shown.append([
            element["text"]["text"]
            for part in slack_render.render(card)
            for block in part.blocks
            if block["type"] == "actions"
            for element in block["elements"]
        ])  # fmt: skip
        assert len(shown[-1]) == len(shown[-2]) == len(card.buttons), card.title
    return shown


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=st.one_of(
        st.lists(st.from_regex(r"[A-Za-z0-9]{1,14}", fullmatch=True), min_size=1, max_size=25)
        .map(" ".join)
        .map(lambda words: words[:150]),  # a sentence, as questions are written
        PRINTABLE.map(lambda text: text[:150]),
    )
)
def test_a_question_imported_from_chat_keeps_its_buttons_on_discord_and_slack(title: str) -> None:
    """A question imported without an id gets one from its title; however long the title, the id
    fits in every button that carries it (Discord's custom_id is at most 100 characters), so its
    Show answer, Bookmark and review buttons are all there."""
    row = ["beginner", title, "A short summary.", "The model answer.", "one point"]
    store = MemoryPacks()
    bank = QuestionBank([])
    desk = CatalogDesk(store, store, StoredPackFiles(), bank, FixedClock())

    async def run() -> Question:
        await desk.handle(DISCORD_ADMIN, PackArgs("import"), Attachment("team.csv", _csv([row])))
        (question,) = bank.packs[0].questions
        return question

    try:
        question = asyncio.run(run())
    except UserError:  # a title the loader refuses (blank): nothing to show
        return
    _buttons_on_each_platform(question)
