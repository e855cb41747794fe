"""What the review feature says, rendered: a full list of bookmarks fits each platform, and every
button id of the real pack fits Discord's 100 characters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.daily.questions import load_bank, resolve_pack
from bot.core.review.bookmarks import BOOKMARK_LIMIT, Bookmark
from bot.core.review.cards import Card
from bot.core.review.messages import bookmark_list, ended, review_answer, review_card
from bot.platforms.discord import render as discord_render
from bot.platforms.slack import render as slack_render

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
BANK = load_bank([resolve_pack("websockets-realtime")])


def test_a_full_list_of_bookmarks_fits_discord_and_slack() -> None:
    questions = [BANK.questions[i % len(BANK.questions)] for i in range(BOOKMARK_LIMIT)]
    later = Card(1, 2.5, timedelta(days=1), NOW + timedelta(days=3))
    entries = [(Bookmark(q.id, NOW, later if i % 2 else Card()), q) for i, q in enumerate(questions)]
    message = bookmark_list(entries, NOW, BOOKMARK_LIMIT)
    assert message.body.count("\n") == BOOKMARK_LIMIT - 1
    assert f"{BOOKMARK_LIMIT} of {BOOKMARK_LIMIT}" in message.footer
    parts = discord_render.render(message)
    assert all(sum(len(e) for e in part.embeds) <= 6000 for part in parts)
    shown = "\n".join(e.description or "" for part in parts for e in part.embeds)
    assert f"{BOOKMARK_LIMIT}. " in shown  # nothing lost in the split
    [slack] = slack_render.render(message)  # one Slack message: under 50 blocks
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in slack.blocks)


def test_every_review_button_of_the_pack_fits_a_custom_id() -> None:
    for question in BANK.questions:
        for message in (review_card(question, "Beginner · 1 of 20", 1), review_answer(question)):
            [part] = [p for p in discord_render.render(message) if p.buttons]
            assert len(part.buttons) == len(message.buttons)  # none dropped for length


def test_a_title_ends_a_sentence_without_a_doubled_stop() -> None:
    assert ended("What is WebSocket?") == "What is WebSocket?"
    assert ended("Explain backpressure") == "Explain backpressure."
