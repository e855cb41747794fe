"""A person's own settings on the real discord.py against the Discord emulator: /streaks with its
typed `board` option (hide|show) beside `me`, and /practice away with its `action` and `dates`
options, as Discord registers and sends them. A hidden row leaves the board and still counts; an
away day keeps a streak over a question not answered; every answer is private."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.daily.questions import QuestionBank
from bot.core.daily.streaks import Freezes
from bot.core.shared.models import User
from tests.conftest import seed_streaks
from tests.e2e.gate import Gate
from tests.e2e.test_discord import (  # noqa: F401 - fixtures, used by name
    EPHEMERAL,
    Guild,
    Running,
    _ref,
    daily_posts,
    emulator,
    guild,
    practice,
    replies_stored,
    seen,
    start_bot,
    text,
)
from tests.emulators.discord import DiscordEmulator

STRING, BOOLEAN = 3, 5  # application command option types


async def streaks(emu: DiscordEmulator, where: Guild, user: int, **options: Any) -> dict[str, Any]:
    return await seen(await emu.slash_command(where.id, where.channel, user, "streaks", options))


async def away(emu: DiscordEmulator, where: Guild, user: int, **options: Any) -> dict[str, Any]:
    """/practice away with its typed options (`action` clashes with practice()'s own argument)."""
    return await seen(
        await emu.slash_command(where.id, where.channel, user, "practice", options, subcommand="away")
    )


def registered(emu: DiscordEmulator, name: str) -> dict[str, Any]:
    [command] = [c for c in emu.commands if c["name"] == name]
    return command


async def test_hide_from_the_board_and_an_away_day_through_discords_options(
    emulator: DiscordEmulator,  # noqa: F811 - the fixtures imported above
    guild: Guild,  # noqa: F811
    start_bot: Callable[[], Awaitable[Running]],  # noqa: F811
    tmp_path: Path,
    bank: QuestionBank,
) -> None:
    ana, bo, cy = User(str(guild.ana), "Ana"), User(str(guild.bo), "Bo"), User(str(guild.cy), "Cy")
    # two closed posts all three answered; no freeze is held (the bot's rule: one per 7 answers)
    await seed_streaks(
        tmp_path / "bot.sqlite3", bank, _ref(guild, guild.channel), [{ana, bo, cy}] * 2, Freezes(7, 2)
    )
    bot = await start_bot()

    options = {o["name"]: o for o in registered(emulator, "streaks")["options"]}
    assert options["me"]["type"] == BOOLEAN
    assert options["board"]["type"] == STRING
    assert [c["value"] for c in options["board"]["choices"]] == ["hide", "show"]
    [sub] = [o for o in registered(emulator, "practice")["options"] if o["name"] == "away"]
    fields = {o["name"]: o for o in sub["options"]}
    assert [c["value"] for c in fields["action"]["choices"]] == ["list", "add", "remove"]
    assert fields["dates"]["type"] == STRING and fields["dates"]["max_length"] == 400
    with pytest.raises(ValueError, match="must be one of"):  # Discord offers only the choices
        await emulator.slash_command(guild.id, guild.channel, guild.bo, "streaks", {"board": "everyone"})

    hidden = await streaks(emulator, guild, guild.bo, board="hide")
    assert hidden["ephemeral"] and "Your row is now left off this channel's board." in text(hidden)
    both = await streaks(emulator, guild, guild.bo, me=True, board="show")
    assert both["ephemeral"] and "/streaks takes nothing, 'me', 'hide' or 'show', not 'me show'" in text(both)

    today = datetime.now(UTC).date()  # the seeded channel's zone is UTC
    listed = await away(emulator, guild, guild.ana)
    assert listed["ephemeral"] and f"To set some: /practice away add {today}" in text(listed)
    bad = await away(emulator, guild, guild.ana, action="add", dates=f"{today}..{today - timedelta(days=2)}")
    assert bad["ephemeral"] and "runs backwards: write the earlier date first" in text(bad)
    past = await away(emulator, guild, guild.ana, action="add", dates=str(today - timedelta(days=1)))
    assert past["ephemeral"] and "is in the past here" in text(past)
    added = await away(emulator, guild, guild.ana, action="add", dates=str(today))  # not an admin: her own
    assert added["ephemeral"] and f"Away days added (UTC): {today}." in text(added)
    assert f"Your away days here (UTC): {today}." in text(
        await away(emulator, guild, guild.ana, action="list")
    )

    await practice(emulator, guild, guild.admin, "resume")
    await practice(emulator, guild, guild.admin, "post-now")
    [post] = daily_posts(emulator, guild.channel)
    await emulator.post_message(int(post["id"]), guild.bo, "Bo answers; Ana is away; Cy forgets")
    await replies_stored(bot, 1)
    await practice(emulator, guild, guild.admin, "reveal-now")

    board = await streaks(emulator, guild, guild.cy)
    assert not board["ephemeral"]
    assert (
        "1. Ana - current 2, best 2, total 2\n2. Cy - current 0, best 2, total 2\n"
        "... and 1 person who keeps their streak private"
    ) in text(board)
    assert "Bo" not in text(board)
    assert "Team streak: 3 (best 3)" in text(board)  # Bo's answer counts for the team
    mine = await streaks(emulator, guild, guild.bo, me=True)
    assert mine["ephemeral"]
    assert "current 3, best 3, total 3\nYour row is hidden from this channel's board" in text(mine)
    shown = await streaks(emulator, guild, guild.bo, board="show")
    assert shown["ephemeral"] and "Your row is back on this channel's board." in text(shown)
    assert "1. Bo - current 3, best 3, total 3" in text(await streaks(emulator, guild, guild.admin))


@pytest.mark.parametrize(
    ("name", "subcommand", "options", "held", "answer"),
    [
        ("streaks", None, {"board": "hide"}, "set_board_hidden", "Your row is now left off"),
        (
            "practice",
            "away",
            {"action": "add", "dates": "2099-01-01"},
            "away_days",
            "2099-01-01 is too far ahead",
        ),
    ],
)
async def test_a_slow_personal_answer_is_deferred_privately(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    subcommand: str | None,
    options: dict[str, str],
    held: str,
    answer: str,
) -> None:
    """The store is held past the deferral deadline: Discord keeps the deferral's visibility for
    the answer, so a person's own setting is deferred as private as its answer is."""
    bot = await start_bot(ack_within=0.05)
    await practice(emulator, guild, guild.admin, "subscribe")
    gate = Gate(monkeypatch, bot.store, held)
    handle = await emulator.slash_command(
        guild.id, guild.channel, guild.ana, name, options, subcommand=subcommand
    )
    deferred = await handle.response(timeout=5)  # deferred after 0.05 s: no sleep here
    assert deferred["type"] == 5 and gate.entered.is_set()
    assert deferred["data"]["flags"] & EPHEMERAL
    gate.open()
    told = await seen(handle)
    assert told["ephemeral"] and answer in text(told)
