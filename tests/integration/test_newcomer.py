"""What a newcomer hits in a first week (issue 16): through the real service and a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.core.commands.grammar import parse_line
from bot.core.shared.errors import UserError
from bot.core.shared.models import Caller
from bot.ops.subscriptions import list_subscriptions
from tests.conftest import CHANNEL, Harness
from tests.integration.test_self_checks import a_revealed_day, press
from tests.integration.test_service import ANA, MONDAY_0600, say, text


async def test_after_post_now_the_next_question_is_the_next_day_everywhere(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri")
    await say(h, "/practice post-now")  # Monday's question, by hand at 06:00
    tuesday = int(datetime(2026, 3, 3, 9, 0, tzinfo=UTC).timestamp())
    status = text(await say(h, "/practice status"))
    assert f"Next question: <t:{tuesday}:F>" in status
    listed = await list_subscriptions(h.store, h.clock.now())
    assert "next post: Tue 2026-03-03 09:00 UTC" in listed
    held = text(await say(h, "/practice holidays add 2026-03-04"))
    assert f"Next question: <t:{tuesday}:F>" in held


async def test_a_reveal_in_seconds_is_refused_and_nothing_changes(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe 09:00 UTC reveal=8h")
    for reveal in ("30s", "90s", "1h30s"):
        try:
            parse_line(f"/practice subscribe reveal={reveal}")
        except UserError as exc:
            assert "not whole minutes" in exc.message and "90m, 8h" in exc.message
        else:
            raise AssertionError(f"reveal={reveal} was accepted")
    assert "reveal after 8h" in text(await say(h, "/practice status"))


async def test_forged_button_ids_with_huge_numbers_get_a_clear_answer(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe answers=blind")
    await say(h, "/practice post-now")
    huge = "9" * 25
    for action in (f"blind:{huge}", f"selfcheck:{huge}:1", f"selfcheck:1:{huge}", "blind:²", f"answer:{huge}",
                   f"review-answer:{huge}", f"good:{huge}", "bookmark:" + "x" * 5000):  # fmt: skip
        answer = await h.service.handle_action(Caller(CHANNEL, ANA, False), action)
        assert answer.messages[0].body, action


async def test_streaks_me_keeps_accuracy_after_a_new_season(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=timedelta(0)).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    first = await a_revealed_day(h, 0, ANA)
    await press(h, f"covered:{first}:2")
    await say(h, "/practice new-season")
    await say(h, "/practice new-season confirm")
    me = (await say(h, "/streaks me")).messages[0].body
    assert me == (
        "No answers this season yet; your best ever here is 1. "
        "Accuracy 66% (2 of 3 key points over 1 self-check), kept across seasons."
    )


async def test_settings_that_would_not_do_what_they_say_are_refused_or_explained(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    refused = text(await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=100h"))
    assert (
        "reveal after 4d4h comes after the next post (on mon-fri, posts can be 1 day apart): "
        "use less than 24h, or 'next' to reveal just before the next post"
    ) in refused
    assert await h.store.subscription_for(CHANNEL) is None  # nothing was saved
    first = text(await say(h, "/practice subscribe 09:00 EST mon,wed,fri reveal=30h"))
    assert "Note: EST is a fixed offset (UTC-05:00) with no daylight saving" in first
    assert "like America/New_York" in first
    again = text(await say(h, "/practice subscribe 10:00 America/New_York"))
    assert "at 10:00 America/New_York on mon,wed,fri, reveal after 1d6h" in again
    assert "Changed: time, timezone; the rest as before." in again and "Note:" not in again
