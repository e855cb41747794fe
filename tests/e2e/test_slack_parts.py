"""A message too long for one Slack message goes out in parts (several chat.postMessage): after an
error on one part, the retry sends the parts that are missing, in order, and nothing twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.e2e.test_blind_slack import open_form, submit
from tests.e2e.test_slack import (  # noqa: F401 - fixtures, used by name
    Running,
    _ref,
    command,
    posts,
    shown,
    slack,
    start_bot,
)
from tests.emulators.slack import SlackEmulator

PEOPLE = 6


async def test_a_503_on_the_second_part_then_the_retry_publishes_every_part_once(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    bot = await start_bot()
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    await command(slack, channel, admin, "/practice subscribe 09:00 UTC answers=blind")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    for n in range(PEOPLE):  # long answers, dense with characters Slack would format: 2 messages
        person = slack.add_user(f"p{n}")
        await submit(slack, await open_form(slack, channel, person, post), person, f"end-{n} " + "*" * 2900)

    slack.fail_next("chat.postMessage", 503, after=1)  # the answers' first part goes out, the second not
    await command(slack, channel, admin, "/practice reveal-now")
    subscription = await bot.store.subscription_for(_ref(slack, channel))
    assert subscription is not None
    stored = await bot.store.post(1)
    assert stored is not None and stored.reveal_started_at is not None
    assert stored.status.value != "revealed"
    await bot.service.reveal(subscription, stored)  # the retry the timer would make

    thread = slack.replies(channel, post["ts"])[1:]
    answers = [m for m in thread if "end-" in shown(m)]
    assert len(answers) == 2
    for n in range(PEOPLE):
        assert sum(f"end-{n}" in shown(m) for m in answers) == 1  # every answer, once
    model = [m for m in thread if "Model answer" in shown(m)]
    assert len(model) == 1 and thread.index(model[0]) > thread.index(answers[-1])
    assert (await bot.store.post(1)).status.value == "revealed"  # type: ignore[union-attr]
    await bot.stop()


async def test_a_post_in_parts_resent_after_an_error_sends_only_its_missing_parts(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    """The first part in the channel, the rest in its thread: a 503 on the second part, then the
    resend finds the first by its metadata and sends the second and third, once."""
    from bot.core.shared.errors import PlatformError
    from bot.core.shared.messages import Message

    bot = await start_bot()
    channel = slack.add_channel("practice")
    body = "\n\n".join(f"paragraph {n} " + "x" * 2900 for n in range(120))  # 120 sections: 3 messages
    slack.fail_next("chat.postMessage", 503, after=1)
    try:
        await bot.platform.post_question(_ref(slack, channel), Message(title="Q", body=body), "n1")
    except PlatformError:
        pass
    else:
        raise AssertionError("the 503 did not reach the bot")
    found = await bot.platform.post_question(
        _ref(slack, channel), Message(title="Q", body=body), "n1", resend=True
    )
    [post] = slack.messages(channel)
    assert found.message_id == post["ts"]
    thread = slack.replies(channel, post["ts"])
    assert len(thread) == 3
    for n in range(120):
        assert sum(f"paragraph {n} " in shown(m) for m in thread) == 1
    await bot.stop()
