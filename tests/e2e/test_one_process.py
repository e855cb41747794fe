"""`practicebot run` as a real subprocess serving Discord and Slack at once, each against its
local emulator; SIGTERM stops it cleanly, and the tokens never appear in what it wrote."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

from tests.conftest import ROOT, clean_env, run_practicebot, stop_practicebot
from tests.emulators.discord import DiscordEmulator
from tests.emulators.slack import SlackEmulator

DISCORD_TOKEN = "discord-secret-token-7f3a"
SLACK_BOT = "xoxb-slack-secret-9c1d"
SLACK_APP = "xapp-slack-secret-4e2b"


async def test_one_process_serves_discord_and_slack_and_stops_on_sigterm(tmp_path: Path) -> None:
    async with DiscordEmulator(token=DISCORD_TOKEN) as discord, SlackEmulator(SLACK_BOT, SLACK_APP) as slack:
        guild = discord.add_guild("prep")
        channel = discord.add_channel(guild, "practice")
        member = discord.add_member(guild, "ana")
        slack_channel, slack_user = slack.add_channel("practice"), slack.add_user("ana")
        config = tmp_path / "practicebot.toml"
        config.write_text(
            f'[discord]\napi_base_url = "{discord.api_url}"\ngateway_url = "{discord.gateway_url}"\n'
            f'[slack]\napi_base_url = "{slack.api_url}"\n'
        )
        env = clean_env()
        env |= {"DISCORD_TOKEN": DISCORD_TOKEN, "SLACK_BOT_TOKEN": SLACK_BOT, "SLACK_APP_TOKEN": SLACK_APP,
                "PRACTICEBOT_LOG_LEVEL": "DEBUG"}  # fmt: skip
        process = await run_practicebot(config, tmp_path / "bot.sqlite3", env)
        try:
            await discord.wait_for(lambda: len(discord.commands) == 5, timeout=30)
            await slack.wait_for(lambda: slack.socket_connects >= 1, timeout=30)

            handle = await discord.slash_command(guild, channel, member, "question", {"level": "beginner"})
            answer = await handle.response(timeout=5)
            assert answer["data"]["flags"] & 64  # ephemeral
            assert answer["data"]["embeds"][0]["title"]

            envelope = await slack.slash_command(slack_channel, slack_user, "/question", "beginner")
            ack = await envelope.acked(timeout=5)
            assert ack["blocks"][0]["type"] == "header"

            admin = slack.add_user("lead", admin=True)
            subscribe = await slack.slash_command(slack_channel, admin, "/practice", "subscribe")
            await subscribe.acked(timeout=5)
            backup = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "db", "backup", str(tmp_path / "copy.sqlite3"),
                "--database", str(tmp_path / "bot.sqlite3"), cwd=ROOT, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            _, err = await asyncio.wait_for(backup.communicate(), timeout=30)
            assert backup.returncode == 0, err.decode()
            with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:  # taken while the bot runs
                assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                assert copy.execute("SELECT platform FROM subscriptions").fetchall() == [("slack",)]
        finally:
            await stop_practicebot(process, (DISCORD_TOKEN, SLACK_BOT, SLACK_APP))


async def test_a_rejected_token_is_a_clear_message_that_never_shows_the_token(tmp_path: Path) -> None:
    async with (
        DiscordEmulator(token="the-real-token") as discord,
        SlackEmulator("xoxb-real", "xapp-real") as slack,
    ):
        config = tmp_path / "practicebot.toml"
        config.write_text(
            f'[discord]\napi_base_url = "{discord.api_url}"\ngateway_url = "{discord.gateway_url}"\n'
            f'[slack]\napi_base_url = "{slack.api_url}"\n'
        )
        base = clean_env()
        for env, expected in (
            ({"DISCORD_TOKEN": DISCORD_TOKEN}, "Discord refused the token in $DISCORD_TOKEN"),
            (
                {"SLACK_BOT_TOKEN": SLACK_BOT, "SLACK_APP_TOKEN": SLACK_APP},
                "Slack refused the bot token in $SLACK_BOT_TOKEN",
            ),
            (
                {"SLACK_BOT_TOKEN": "xoxb-real", "SLACK_APP_TOKEN": SLACK_APP},
                "Slack refused the app token in $SLACK_APP_TOKEN",
            ),
        ):
            process = await run_practicebot(
                config, tmp_path / "db.sqlite3", base | env | {"PRACTICEBOT_LOG_LEVEL": "DEBUG"}
            )
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
            written = (stdout + stderr).decode()
            assert process.returncode == 1, written[-2000:]
            assert expected in written
            assert "Traceback" not in written
            for secret in (DISCORD_TOKEN, SLACK_BOT, SLACK_APP):
                assert secret not in written


async def test_a_gateway_that_refuses_after_login_stops_the_bot_with_a_clear_message(tmp_path: Path) -> None:
    """Scheduling starts once REST accepts the token, before the gateway is READY: a gateway that
    then refuses the session still ends the process with exit status 1 and a specific message."""
    async with DiscordEmulator(token=DISCORD_TOKEN) as discord:
        discord.gateway.token = "a-different-token"  # REST logs in; IDENTIFY is refused (4004)
        config = tmp_path / "practicebot.toml"
        config.write_text(
            f'[discord]\napi_base_url = "{discord.api_url}"\ngateway_url = "{discord.gateway_url}"\n'
        )
        process = await run_practicebot(
            config, tmp_path / "db.sqlite3", clean_env(DISCORD_TOKEN=DISCORD_TOKEN)
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    written = (stdout + stderr).decode()
    assert process.returncode == 1, written[-2000:]
    assert "practicebot ready" in written  # the scheduler did not wait for the gateway
    [said] = [line for line in written.splitlines() if line.startswith("practicebot: Discord closed")]
    assert "(4004): it refused the token in $DISCORD_TOKEN" in said
    assert said in (ROOT / "README.md").read_text(), "the README's troubleshooting shows this message"
    assert "Traceback" not in written and DISCORD_TOKEN not in written
