"""Member suggestions on the real slack-bolt against the Slack emulator (views checked with
slack_sdk's View model, trigger_ids honoured for 3 s, response_action errors naming input
blocks): /practice suggest opens a modal with the command's trigger_id, a refused submission is
answered within 3 s with a reason on each refused block (the modal stays open with the text),
admins list the queue, approve (as it is, or edited in the same modal) and reject; the author is
told by IM; nobody is ever pinged. Approvals join the channel's own pack (in the database); its daily post credits the author."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.e2e.test_slack import (  # noqa: F401 - fixtures, used by name
    Running,
    command,
    posts,
    shown,
    slack,
    start_bot,
)
from tests.emulators.slack import SlackEmulator

GOOD = {
    "level": "advanced",
    "title": "What is *head-of-line* blocking? <!channel>",
    "summary": "One lost packet holds up everything behind it.",
    "answer": "TCP delivers in order; HTTP/2 multiplexes over one TCP stream, so a loss stalls all.",
    "key_points": "in-order delivery\nmultiplexed streams share it\nQUIC fixes it per stream",
}


def typed(values: dict[str, str]) -> dict[str, Any]:
    return {name: {name: {"type": "plain_text_input", "value": value}} for name, value in values.items()}


async def open_modal(emu: SlackEmulator, channel: str, user: str, line: str) -> dict[str, Any]:
    """Type the command; the modal the bot opened with its trigger_id."""
    before = set(emu.views())
    name, _, text = line.partition(" ")
    envelope = await emu.slash_command(channel, user, name, text)
    ack = await envelope.acked(timeout=5)
    assert not ack.get("text") and not ack.get("blocks"), ack  # a bare ack: the answer is the modal
    [view] = await emu.wait_for(lambda: [v for i, v in emu.views().items() if i not in before], timeout=5)
    return view


async def submit(
    emu: SlackEmulator, view: dict[str, Any], user: str, values: dict[str, str]
) -> dict[str, Any]:
    envelope = await emu.submit_view(view["id"], user, typed(values))
    ack = await envelope.acked(timeout=5)
    assert envelope.error is None, envelope.error  # Slack took the response_action
    return ack


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_a_suggestion_goes_through_the_queue_and_its_author_hears_by_im(
    slack: SlackEmulator,  # noqa: F811 - the fixtures imported above
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
    mode: str,
) -> None:
    bot = await start_bot(mode=mode)  # the channel's own pack: bot/core/catalog/desk.py, in the database
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    ana, bo = slack.add_user("ana"), slack.add_user("bo")
    await command(slack, channel, admin, "/practice subscribe 09:00 UTC")

    view = await open_modal(slack, channel, ana, "/practice suggest")
    assert view["callback_id"] == "pb:suggest:new" and view["submit"]["text"] == "Send suggestion"
    assert [b["block_id"] for b in view["blocks"]] == ["level", "title", "summary", "answer", "key_points"]
    seven = "\n".join(f"point {i}" for i in range(7))  # within the box's length: only the bot can refuse
    refused = await submit(slack, view, ana, {**GOOD, "level": "expert", "key_points": seven})
    assert refused["response_action"] == "errors"
    assert set(refused["errors"]) == {"level", "key_points"}
    assert "7 key points; at most 6" in refused["errors"]["key_points"]
    done = await submit(slack, view, ana, GOOD)  # the modal stayed open: sent again, fixed
    assert done["response_action"] == "update"
    assert "#1 in this channel's review queue" in done["view"]["blocks"][0]["text"]["text"]

    assert "for channel admins" in shown(await command(slack, channel, bo, "/practice queue"))
    listed = shown(await command(slack, channel, admin, "/practice queue"))
    assert "#1" in listed and "by ana" in listed and "What is *head-of-line* blocking? <!channel>" in listed
    assert "for channel admins" in shown(await command(slack, channel, bo, "/practice approve 1"))
    approved = shown(await command(slack, channel, admin, "/practice approve 1"))
    added = re.search(r"Approved #1: .* joins this channel's own pack as (\S+),", approved)
    assert added is not None, approved
    question = bot.service.bank.get(added[1])
    assert question is not None and (question.title, question.suggested_by) == (GOOD["title"], "ana")
    [im] = slack.direct_messages(ana)
    assert "Your suggestion was approved" in shown(im)

    await submit(
        slack, await open_modal(slack, channel, bo, "/practice suggest"), bo, {**GOOD, "title": "Bo's?"}
    )
    rejected = shown(await command(slack, channel, admin, "/practice reject 2 a duplicate <!everyone>"))
    assert "Rejected #2" in rejected
    [im] = slack.direct_messages(bo)
    assert "not taken" in shown(im) and "a duplicate <!everyone>" in shown(im)  # shown as typed

    await submit(
        slack, await open_modal(slack, channel, bo, "/practice suggest"), bo, {**GOOD, "title": "Bo again?"}
    )
    edit = await open_modal(slack, channel, admin, "/practice edit 3")
    assert edit["callback_id"] == "pb:suggest-edit:3"
    assert edit["blocks"][1]["element"]["initial_value"] == "Bo again?"  # pre-filled
    approved_edit = await submit(slack, edit, admin, {"title": "Bo again, sharpened?"})  # the rest as it was
    said = approved_edit["view"]["blocks"][0]["text"]["text"]
    added = re.search(r"Approved #3: .* joins this channel's own pack as (\S+),", said)
    assert added is not None, said
    question = bot.service.bank.get(added[1])
    assert (
        question is not None
        and question.title == "Bo again, sharpened?"
        and question.summary == GOOD["summary"]
    )
    assert len(slack.direct_messages(bo)) == 2
    await command(slack, channel, admin, f"/practice next {question.id}")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    assert "Bo again, sharpened?" in shown(post) and "Suggested by" in shown(post) and "bo" in shown(post)
    assert not slack.pings()  # no mention reached anyone, in the channel, ephemerals or IMs


async def test_a_slow_submission_is_acked_in_time_and_its_outcome_told_despite_a_slack_error(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    """Slower than the ack allows: the modal is acked bare within Slack's 3 s, and the outcome
    (the suggestion is queued) goes to the person privately, tried again after a fatal_error."""
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    await start_bot(ack_within=0.0, sleep=pause)  # every command and submission slower than the ack
    channel, ana = slack.add_channel("practice"), slack.add_user("ana")
    await command(slack, channel, slack.add_user("lead", admin=True), "/practice subscribe 09:00 UTC")
    view = await open_modal(slack, channel, ana, "/practice suggest")
    slack.fail_next("chat.postEphemeral", 500)
    ack = await submit(slack, view, ana, GOOD)
    assert "response_action" not in ack  # acked bare: the modal closes
    said = await slack.wait_for(lambda: [shown(e) for e in slack.ephemerals(channel, ana)])
    assert len(said) == 1 and "#1 in this channel's review queue" in said[0]
    assert pauses == [1.0]
