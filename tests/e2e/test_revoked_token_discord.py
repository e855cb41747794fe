"""A revoked or rotated token (issue 14, case 4), with the real discord.py and slack-bolt against
the emulators: it is about the platform, not any channel. No subscription pauses for it (before,
each one paused in turn and needed /practice resume), /healthz says the token is refused, and the
work goes through once the token works again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.e2e import test_discord as discord_e2e
from tests.e2e.token_checks import goes_through, waits_for_the_token
from tests.emulators.discord import DiscordEmulator

emulator, guild, start_bot = discord_e2e.emulator, discord_e2e.guild, discord_e2e.start_bot


async def test_a_reset_discord_token_pauses_nothing_and_the_reveal_goes_out_once_it_works(
    emulator: DiscordEmulator, guild: discord_e2e.Guild, start_bot: Callable[[], Awaitable[Any]]
) -> None:
    bot = await start_bot()
    await discord_e2e.practice(emulator, guild, guild.admin, "subscribe")
    await discord_e2e.practice(emulator, guild, guild.admin, "post-now")
    await emulator.revoke_token(close_gateway=False)  # the REST calls that fail before the gateway closes
    await waits_for_the_token(bot, "discord")
    assert any(r.status == 401 for r in emulator.requests)
    emulator.restore_token()
    await goes_through(bot, "discord")
    [thread] = emulator.threads_of(guild.channel)
    assert "The model answer" in discord_e2e.text(emulator.messages(int(thread["id"]))[-1])
