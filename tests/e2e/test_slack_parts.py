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
