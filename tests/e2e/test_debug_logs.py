"""`practicebot run` at DEBUG, a real subprocess serving Discord and Slack (Socket Mode, and HTTP
mode), through a blind answer on each: nothing it writes at any level carries a short-lived
secret or private text. Named by the issue: Discord interaction tokens (each lets anyone post as
the bot for 15 minutes), Slack's verification token, Socket Mode tickets and response URLs, the
text of a blind answer before its reveal, and the parameters of SQL statements."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, clean_env
from tests.e2e.test_blind_slack import open_form, submit
from tests.e2e.test_discord import daily_posts
from tests.e2e.test_slack import posts
from tests.emulators.discord import DiscordEmulator, InteractionHandle
from tests.emulators.slack import SlackEmulator

DISCORD_TOKEN = "discord-secret-token-7f3a"
SLACK_BOT, SLACK_APP, SIGNING = "xoxb-slack-secret-9c1d", "xapp-slack-secret-4e2b", "signing-secret-5d8e"
DISCORD_BLIND = "private draft 7b1e by ana: the 101 comes first"
SLACK_BLIND = "private draft 3c9f by bo: masking is client-to-server"
# who answered in the thread: a parameter of the INSERT that stores the reply (no quote marks in
# any of these, which a log's repr() would escape)
REPLIER = "cy-e4a2"


async def stored(database: Path, query: str, *args: str) -> None:
    """Wait (on the database, 10 s at most) until the running bot has stored what `query` finds."""
    async with asyncio.timeout(10):
        while True:
            with contextlib.closing(sqlite3.connect(database)) as db:
                if db.execute(query, args).fetchone():
                    return
            await asyncio.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def discord_blind_answer(emu: DiscordEmulator, tokens: list[str]) -> None:
    """An admin subscribes the channel with blind answers and posts; ana answers in the modal."""
    guild = emu.add_guild("prep")
    channel = emu.add_channel(guild, "practice")
    lead, ana = emu.add_member(guild, "lead", manage_channels=True), emu.add_member(guild, "ana")

    async def done(handle: InteractionHandle) -> dict[str, Any]:
        tokens.append(handle.record.token)
        response: dict[str, Any] = await handle.response(timeout=10)
        return response

    for action, options in (("subscribe", {"time": "09:00", "answers": "blind"}), ("post-now", {})):
        await done(await emu.slash_command(guild, channel, lead, "practice", options, subcommand=action))
    [post] = await emu.wait_for(lambda: daily_posts(emu, channel) or None, timeout=10)
    [button] = [b for row in post["components"] for b in row["components"] if b["label"] == "Answer"]
    pressed = await emu.click_button(guild, channel, ana, int(post["id"]), button["custom_id"])
    assert (await done(pressed))["type"] == 9  # the modal
    await done(await emu.submit_modal(pressed, {"answer": DISCORD_BLIND}))


async def slack_blind_answer(emu: SlackEmulator) -> list[str]:
    """The same on Slack, plus a public thread reply; the response URLs Slack handed out."""
    channel, lead, bo = emu.add_channel("practice"), emu.add_user("lead", admin=True), emu.add_user("bo")
    envelopes = []
    for text in ("subscribe 09:00 UTC answers=blind", "post-now"):
        envelopes.append(envelope := await emu.slash_command(channel, lead, "/practice", text))
        await envelope.acked(timeout=10)
    [post] = await emu.wait_for(lambda: posts(emu, channel) or None, timeout=10)
    await submit(emu, await open_form(emu, channel, bo, post), bo, SLACK_BLIND)
    await emu.post_message(channel, emu.add_user(REPLIER), "the server never masks", thread_ts=post["ts"])
    return [e.response_url for e in envelopes if e.response_url]


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_debug_logs_carry_no_short_lived_secret_and_no_private_text(tmp_path: Path, mode: str) -> None:
    async with (
        DiscordEmulator(token=DISCORD_TOKEN) as discord,
        SlackEmulator(SLACK_BOT, SLACK_APP, SIGNING) as slack,
    ):
        config = tmp_path / "practicebot.toml"
        port = free_port()
        config.write_text(
            f'[discord]\napi_base_url = "{discord.api_url}"\ngateway_url = "{discord.gateway_url}"\n'
            f'[slack]\napi_base_url = "{slack.api_url}"\nmode = "{mode}"\n[server]\nport = {port}\n'
        )
        if mode == "http":
            slack.request_url = f"http://127.0.0.1:{port}/slack/events"
        env = clean_env(
            DISCORD_TOKEN=DISCORD_TOKEN, SLACK_BOT_TOKEN=SLACK_BOT, SLACK_APP_TOKEN=SLACK_APP,
            SLACK_SIGNING_SECRET=SIGNING, PRACTICEBOT_LOG_LEVEL="DEBUG",
        )  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), "--database", str(tmp_path / "bot.sqlite3"),
            cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        interaction_tokens: list[str] = []
        try:
            await discord.wait_for(lambda: len(discord.commands) == 5, timeout=30)
            if mode == "socket":
                await slack.wait_for(lambda: slack.socket_connects >= 1, timeout=30)
            await discord_blind_answer(discord, interaction_tokens)
            response_urls = await slack_blind_answer(slack)
            await stored(tmp_path / "bot.sqlite3", "SELECT 1 FROM replies WHERE user_name = ?", REPLIER)
        finally:
            process.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        written = (stdout + stderr).decode()
        assert process.returncode == 0, written[-3000:]
        assert " DEBUG " in written, "the run logged at DEBUG, so the check below means something"
        secrets = {
            "a Discord interaction token": interaction_tokens,
            "Slack's verification token": [slack.workspace.verification_token],
            "a Socket Mode ticket": slack.socket.issued,
            "a Slack response URL": [url.rsplit("/", 1)[-1] for url in response_urls],
            "the text of a blind answer": [DISCORD_BLIND, SLACK_BLIND],
            "a SQL parameter": [REPLIER],
            "a token": [DISCORD_TOKEN, SLACK_BOT, SLACK_APP, SIGNING],
        }
        assert interaction_tokens and (mode == "http" or slack.socket.issued)
        leaked = {what: value for what, values in secrets.items() for value in values if value in written}
        assert not leaked, f"the DEBUG log carries {sorted(leaked)}"
