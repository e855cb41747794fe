"""A revoked or rotated token (issue 14, case 4), with the real discord.py and slack-bolt against
the emulators: it is about the platform, not any channel. No subscription pauses for it (before,
each one paused in turn and needed /practice resume), /healthz says the token is refused, and the
work goes through once the token works again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.conftest import clean_env, run_practicebot
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


async def test_a_token_reset_while_running_ends_the_process_with_why(tmp_path: Path) -> None:
    """Discord closes the gateway with 4004 when the token is reset: discord.py cannot go on,
    so `practicebot run` exits non-zero and says what to do (before, it kept running deaf)."""
    async with DiscordEmulator(token="the-old-token") as discord:
        guild = discord.add_guild("prep")
        discord.add_channel(guild, "practice")
        config = tmp_path / "practicebot.toml"
        config.write_text(
            f'[discord]\napi_base_url = "{discord.api_url}"\ngateway_url = "{discord.gateway_url}"\n'
        )
        env = clean_env() | {"DISCORD_TOKEN": "the-old-token"}
        process = await run_practicebot(config, tmp_path / "bot.sqlite3", env)
        try:
            await discord.wait_for(lambda: len(discord.commands) == 5, timeout=30)  # ready and synced
            await discord.revoke_token()
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 1
    assert "Discord closed the gateway connection (4004)" in stderr.decode()
    assert "the-old-token" not in stderr.decode()
