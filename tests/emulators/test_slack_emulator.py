"""The Slack emulator against the real, unpatched slack-sdk and slack-bolt: Web API over HTTP,
Socket Mode over a WebSocket, HTTP mode with signed requests. Nothing here sleeps to synchronise:
every wait is on an event or emulator.wait_for with a deadline."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from tests.emulators.slack import DEFAULT_SCOPES, LOG_ENV, RateLimits, SlackEmulator, signature
from tests.emulators.slack.emulator import DROPPED

ACK_TIMEOUT = 1.0  # the emulator's ack deadline here (Slack's is 3 s)


@dataclass
class Bot:
    """A bolt AsyncApp connected to the emulator over Socket Mode, recording what reached it."""

    app: AsyncApp
    client: AsyncWebClient
    handler: AsyncSocketModeHandler
    events: list[dict[str, Any]] = field(default_factory=list)
    frames: list[SocketModeRequest] = field(default_factory=list)  # as the SDK parsed them
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        self.arrived.set()
        self.arrived = asyncio.Event()

    async def event(self, text: str) -> dict[str, Any]:
        """The first message event with this text that reached the app's listener (within 5 s)."""
        async with asyncio.timeout(5):
            while True:
                arrived = self.arrived
                found = [e for e in self.events if e.get("text") == text]
                if found:
                    return found[0]
                await arrived.wait()


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(
        ack_timeout=ACK_TIMEOUT, rate_limits=RateLimits(per_channel_burst=1)
    ) as emulator:
        yield emulator


@pytest.fixture
async def bot(slack: SlackEmulator) -> AsyncIterator[Bot]:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    app = AsyncApp(client=client)
    handler = AsyncSocketModeHandler(app, slack.app_token, ping_interval=0.5)  # built inside the running loop
    bot = Bot(app, client, handler)

    @app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        bot.record(event)

    async def raw_listener(_client: SocketModeClient, request: SocketModeRequest) -> None:
        bot.frames.append(request)

    handler.client.socket_mode_request_listeners.insert(0, raw_listener)  # type: ignore[arg-type]  # before bolt
    await handler.connect_async()
    await slack.wait_for(lambda: slack.socket_connects >= 1, timeout=5)
    yield bot
    await handler.close_async()


# ---------------------------------------------------------------- Socket Mode


async def test_slash_command_reaches_the_app_and_its_ephemeral_ack_comes_back(
    slack: SlackEmulator, bot: Bot
) -> None:
    channel, alice = slack.add_channel("practice"), slack.add_user("alice", admin=True)
    received: list[dict[str, Any]] = []

    @bot.app.command("/practice")
    async def practice(ack: Any, command: dict[str, Any], respond: Any) -> None:
        received.append(command)
        await ack(text=f"status of {command['channel_name']}")
        await respond(text="and a follow-up, only for you", response_type="ephemeral")

    envelope = await slack.slash_command(channel, alice, "/practice", "status")
    ack = await envelope.acked(timeout=3)

    assert ack["text"] == "status of practice"
    assert received[0]["user_id"] == alice and received[0]["text"] == "status"
    assert bot.frames[0].envelope_id == envelope.envelope_id and bot.frames[0].accepts_response_payload
    await slack.wait_for(lambda: envelope.responses)
    assert envelope.responses[0]["text"] == "and a follow-up, only for you"
    # the listener's respond() races bolt's ack frame, as it does against Slack
    seen_by_alice = sorted(e["text"] for e in slack.ephemerals(channel, alice))
    assert seen_by_alice == ["and a follow-up, only for you", "status of practice"]
    assert slack.messages(channel) == []  # nothing public
    # what bolt needed on the way: a Socket Mode URL (app token) and auth.test (bot token)
    assert slack.calls("apps.connections.open") and slack.calls("auth.test")


async def test_a_thread_reply_reaches_the_app_as_a_message_event(slack: SlackEmulator, bot: Bot) -> None:
    channel, bob = slack.add_channel("practice"), slack.add_user("bob")
    posted = await bot.client.chat_postMessage(channel=channel, text="Question of the day")
    parent = posted["ts"]

    reply = await slack.post_message(channel, bob, "my answer", thread_ts=parent)
    event = await bot.event("my answer")

    assert event["thread_ts"] == parent and event["user"] == bob and event["ts"] == reply
    assert event["channel"] == channel and event["channel_type"] == "channel"
    assert [m["text"] for m in slack.replies(channel, parent)] == ["Question of the day", "my answer"]
    assert slack.messages(channel)[0]["reply_count"] == 1
    # Slack echoed the bot's own post as an event too; bolt acked it and kept it from the listener
    echoed = [e for e in slack.envelopes if e.payload.get("event", {}).get("bot_id") == slack.bot_id]
    assert len(echoed) == 1 and await echoed[0].acked(timeout=3) == {}
    assert all(e.get("bot_id") is None for e in bot.events)


async def test_an_envelope_not_acked_in_time_is_retried(slack: SlackEmulator, bot: Bot) -> None:
    channel, carol = slack.add_channel("practice"), slack.add_user("carol")
    release = asyncio.Event()
    held: list[str] = []

    @bot.app.middleware
    async def hold_the_first_delivery(body: dict[str, Any], next: Any) -> None:
        if body.get("event", {}).get("text") == "slow" and not held:
            held.append(body["event_id"])
            await release.wait()  # the app is stuck: no ack goes back
        await next()

    await slack.post_message(channel, carol, "slow")
    envelope = slack.envelopes[-1]
    ack = await envelope.acked(timeout=ACK_TIMEOUT + 3)
    release.set()

    assert ack == {}
    first, retry = envelope.deliveries[:2]
    assert first.acked_at is None and retry.retry_attempt == 1 and retry.retry_reason == "timeout"
    assert [(f.retry_attempt, f.retry_reason) for f in bot.frames] == [(0, ""), (1, "timeout")]
    assert bot.frames[1].payload["event_id"] == held[0]  # the same event, delivered again
    await slack.wait_for(lambda: first.late)  # the stuck delivery's ack arrives, too late to count


async def test_a_disconnect_or_a_dropped_socket_makes_the_sdk_reconnect(
    slack: SlackEmulator, bot: Bot
) -> None:
    channel, dan = slack.add_channel("practice"), slack.add_user("dan")

    assert await slack.disconnect_socket("refresh_requested") == 1
    await slack.wait_for(lambda: slack.socket_connects == 2, timeout=5)
    await slack.post_message(channel, dan, "after refresh")
    await bot.event("after refresh")

    assert slack.drop_socket() == 1  # no close frame: the SDK notices within its ping_interval
    await slack.wait_for(lambda: slack.socket_connects == 3, timeout=5)
    await slack.post_message(channel, dan, "after drop")
    await bot.event("after drop")
    assert len(slack.calls("apps.connections.open")) == 3  # a fresh URL every time


async def test_a_button_click_reaches_the_app_and_replaces_the_message(
    slack: SlackEmulator, bot: Bot
) -> None:
    channel, erin = slack.add_channel("practice"), slack.add_user("erin")
    blocks: list[dict[str, Any]]

    @bot.app.action("show_answer")
    async def show(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(text=f"answer {body['actions'][0]['value']}", replace_original=True)

    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Question*"}},
        {
            "type": "actions",
            "block_id": "answer",
            "elements": [
                {
                    "type": "button",
                    "action_id": "show_answer",
                    "value": "q1",
                    "text": {"type": "plain_text", "text": "Show answer"},
                }
            ],
        },
    ]
    posted = await bot.client.chat_postMessage(channel=channel, text="Question", blocks=blocks)
    envelope = await slack.click_button(channel, erin, posted["ts"], "show_answer")

    assert await envelope.acked(timeout=3) == {}
    assert envelope.payload["actions"][0]["block_id"] == "answer"
    await slack.wait_for(lambda: slack.messages(channel)[0]["text"] == "answer q1")


# ---------------------------------------------------------------- Web API


async def test_block_kit_and_metadata_are_stored_and_found_again(slack: SlackEmulator) -> None:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    channel = slack.add_channel("practice")
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "What is WebSocket?"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "Answer in the thread."}},
    ]
    metadata = {"event_type": "practice_post", "event_payload": {"post_id": 42}}

    posted = await client.chat_postMessage(
        channel=channel, text="What is WebSocket?", blocks=blocks, metadata=metadata
    )
    plain = await client.conversations_history(channel=channel, limit=10)
    with_metadata = await client.conversations_history(channel=channel, limit=10, include_all_metadata=True)

    assert posted["message"]["blocks"] == blocks
    assert "metadata" not in plain["messages"][0]
    assert with_metadata["messages"][0]["metadata"] == metadata
    assert with_metadata["messages"][0]["ts"] == posted["ts"]
    assert slack.messages(channel)[0]["bot_id"] == slack.bot_id


@pytest.mark.parametrize(
    ("blocks", "error"),
    [
        ([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}], "invalid_blocks"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "*bold*"}}], "invalid_blocks"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "invalid_blocks"),
        ([{"type": "section"}], "invalid_blocks"),
        ([{"type": "no_such_block"}], "invalid_blocks"),
        ([{"type": "divider"}] * 51, "invalid_blocks"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x" * 76}}
                    ],
                }
            ],
            "invalid_blocks",
        ),
        ("not json", "invalid_blocks_format"),
    ],
)
async def test_invalid_blocks_are_refused(slack: SlackEmulator, blocks: Any, error: str) -> None:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    channel = slack.add_channel("practice")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=channel, text="fallback", blocks=blocks)
    assert raised.value.response["error"] == error
    assert slack.messages(channel) == []


async def test_message_argument_errors(slack: SlackEmulator) -> None:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    channel = slack.add_channel("practice")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"channel": channel}, "no_text"),
        ({"channel": channel, "text": "x" * 40_001}, "msg_too_long"),
        ({"text": "hello"}, "invalid_arguments"),
        ({"channel": channel, "text": "hi", "metadata": {"event_type": "x"}}, "invalid_metadata_format"),
    ]
    for body, error in cases:
        with pytest.raises(SlackApiError) as raised:
            await client.api_call("chat.postMessage", json=body)  # the raw call: no client-side checks
        assert raised.value.response["error"] == error


async def test_channel_errors_come_back_as_slack_api_errors(slack: SlackEmulator) -> None:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    gone, left, archived = slack.add_channel("gone"), slack.add_channel("left"), slack.add_channel("old")
    secret = slack.add_channel("secret", private=True, bot_member=False)
    slack.delete_channel(gone)
    slack.remove_bot_from(left)
    slack.archive_channel(archived)

    for channel, error in [
        (gone, "channel_not_found"),
        ("C404", "channel_not_found"),
        (secret, "channel_not_found"),
        (left, "not_in_channel"),
        (archived, "is_archived"),
    ]:
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel=channel, text="hello")
        assert raised.value.response["error"] == error, channel
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_history(channel=left)
    assert raised.value.response["error"] == "not_in_channel"


async def test_auth_errors_users_info_and_scopes(slack: SlackEmulator) -> None:
    owner = slack.add_user("olive", owner=True)
    channel = slack.add_channel("practice")
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)

    for token, error in [("xoxb-wrong", "invalid_auth"), (slack.app_token, "not_allowed_token_type")]:
        with pytest.raises(SlackApiError) as raised:
            await AsyncWebClient(token=token, base_url=slack.api_url).auth_test()
        assert raised.value.response["error"] == error
    with pytest.raises(SlackApiError) as raised:
        await AsyncWebClient(base_url=slack.api_url).auth_test()
    assert raised.value.response["error"] == "not_authed"

    user = (await client.users_info(user=owner))["user"]
    assert (user["is_owner"], user["is_admin"], user["is_bot"], user["profile"]["display_name"]) == (
        True,
        True,
        False,
        "olive",
    )
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_info(channel=channel)  # channels:read is not among DESIGN.md's scopes
    assert raised.value.response["error"] == "missing_scope"
    assert raised.value.response["needed"] == "channels:read"


async def test_a_429_with_retry_after_is_honoured_by_the_sdk_retry_handler(slack: SlackEmulator) -> None:
    channel = slack.add_channel("practice")
    patient = AsyncWebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    await patient.chat_postMessage(channel=channel, text="first")
    second = await patient.chat_postMessage(channel=channel, text="second")  # 429, waits, succeeds

    posts = slack.calls("chat.postMessage")
    assert [p.status for p in posts] == [200, 429, 200]
    assert slack.count_429 == 1 and second["ok"]
    assert posts[2].at - posts[1].at >= 1.0  # Retry-After: 1 was waited out
    assert [m["text"] for m in slack.messages(channel)] == ["first", "second"]

    impatient = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    with pytest.raises(SlackApiError) as raised:
        await impatient.chat_postMessage(channel=channel, text="third")
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert int(raised.value.response.headers["Retry-After"]) >= 1
    assert slack.count_429 == 2


async def test_a_dropped_connection_gets_no_answer_and_serves_nothing() -> None:
    async with SlackEmulator() as slack:
        channel = slack.add_channel("practice")
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[])
        slack.fail_next("chat.postMessage", DROPPED)
        with pytest.raises(aiohttp.ClientError):
            await client.chat_postMessage(channel=channel, text="cut")
        assert slack.messages(channel) == []
        assert [r.status for r in slack.calls("chat.postMessage")] == [DROPPED]


async def test_fault_injection_and_the_request_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    monkeypatch.setenv(LOG_ENV, str(log))
    async with SlackEmulator() as slack:
        channel = slack.add_channel("practice")
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        slack.fail_next("chat.postMessage", 500)
        slack.fail_next("chat.postMessage", "fatal_error")
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel=channel, text="a")
        assert raised.value.response.status_code == 500
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel=channel, text="b")
        assert raised.value.response["error"] == "fatal_error"
        slack.fail_next("chat.postMessage", 503)
        retrying = AsyncWebClient(
            token=slack.bot_token, base_url=slack.api_url, retry_handlers=[AsyncServerErrorRetryHandler()]
        )
        assert (await retrying.chat_postMessage(channel=channel, text="c"))["ok"]

    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 4
    assert {line["platform"] for line in lines} == {"slack"}
    assert lines[0]["method"] == "POST" and lines[0]["path"] == "/api/chat.postMessage"
    assert lines[-1]["body"]["text"] == "c" and lines[-1]["query"] == {}


# ---------------------------------------------------------------- HTTP mode


@pytest.fixture
async def http_bot(slack: SlackEmulator) -> AsyncIterator[str]:
    """A bolt AsyncApp in HTTP mode behind its own aiohttp server; yields its request URL."""
    app = AsyncApp(
        client=AsyncWebClient(token=slack.bot_token, base_url=slack.api_url),
        signing_secret=slack.signing_secret,
    )

    @app.command("/practice")
    async def practice(ack: Any, command: dict[str, Any]) -> None:
        await ack(text=f"over HTTP: {command['text']}")

    runner = web.AppRunner(app.web_app(path="/slack/events"))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    await runner.cleanup()


async def test_signed_http_requests_verify_and_bad_ones_are_refused_by_bolt(
    slack: SlackEmulator, http_bot: str
) -> None:
    channel, fay = slack.add_channel("practice"), slack.add_user("fay")
    body, ts = "token=x&text=hi", int(time.time())
    assert SignatureVerifier(slack.signing_secret).is_valid(
        body, str(ts), signature(slack.signing_secret, ts, body)
    )

    challenge = await slack.send_signed(http_bot, "events_api", slack.url_verification_payload("c-123"))
    assert (challenge.status, challenge.json()) == (200, {"challenge": "c-123"})

    command = slack.slash_command_payload(channel, fay, "/practice", "status")
    good = await slack.send_signed(http_bot, "slash_commands", command, retry_num=1)
    assert (good.status, good.body) == (200, "over HTTP: status")

    forged = await slack.send_signed(http_bot, "slash_commands", command, secret="not-the-secret")
    stale = await slack.send_signed(http_bot, "slash_commands", command, timestamp=int(time.time()) - 6 * 60)
    assert forged.status == 401 and stale.status == 401

    slack.request_url = http_bot  # the emulator itself delivers over signed HTTP now
    envelope = await slack.slash_command(channel, fay, "/practice", "via emulator")
    assert (await envelope.acked(timeout=3))["text"] == "over HTTP: via emulator"
    await slack.wait_for(lambda: slack.ephemerals(channel, fay))


async def test_files_upload_v2_shares_the_uploaded_bytes_with_valid_blocks(slack: SlackEmulator) -> None:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    channel = slack.add_channel("practice")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Weekly recap*"}}]
    answer = await client.files_upload_v2(
        channel=channel,
        file=b"\x89PNG\r\n\x1a\nrest",
        filename="recap.png",
        title="Recap",
        blocks=json.dumps(blocks),
    )
    [shared] = slack.messages(channel)
    [file] = shared["files"]
    assert answer["file"]["id"] == file["id"] and shared["blocks"] == blocks
    assert (file["name"], file["title"], file["mimetype"]) == ("recap.png", "Recap", "image/png")
    assert slack.file_bytes(file["id"]) == b"\x89PNG\r\n\x1a\nrest"
    assert [r.api_method for r in slack.requests if r.api_method] == [
        "files.getUploadURLExternal", "upload", "files.completeUploadExternal"
    ]  # fmt: skip


async def test_file_upload_errors_come_back_like_slacks(slack: SlackEmulator) -> None:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    channel, left = slack.add_channel("practice"), slack.add_channel("left")
    slack.remove_bot_from(left)
    announced = await client.files_getUploadURLExternal(filename="a.png", length=4)
    with pytest.raises(SlackApiError) as early:  # completed before its bytes arrived
        await client.files_completeUploadExternal(files=[{"id": announced["file_id"]}], channel_id=channel)
    assert early.value.response["error"] == "file_not_found"
    async with aiohttp.ClientSession() as http, http.post(announced["upload_url"], data=b"12345") as wrong:
        assert wrong.status == 400  # not the length announced
    async with aiohttp.ClientSession() as http, http.post(announced["upload_url"], data=b"1234") as right:
        assert (right.status, await right.text()) == (200, "OK - 4")
    for args, error in [
        ({"files": [{"id": announced["file_id"]}], "channel_id": left}, "not_in_channel"),
        ({"files": [{"id": "F404"}], "channel_id": channel}, "file_not_found"),
        ({"files": [{"id": announced["file_id"]}], "channel_id": channel, "blocks": '[{"type": "nope"}]'},
         "invalid_blocks"),
    ]:  # fmt: skip
        with pytest.raises(SlackApiError) as raised:
            await client.files_completeUploadExternal(**args)
        assert raised.value.response["error"] == error
    slack.scopes.discard("files:write")
    with pytest.raises(SlackApiError) as unscoped:
        await client.files_getUploadURLExternal(filename="a.png", length=4)
    assert unscoped.value.response["error"] == "missing_scope"
    assert slack.messages(channel) == []


async def test_mrkdwn_is_parsed_for_mentions_and_links_unless_verbatim(slack: SlackEmulator) -> None:
    """Slack's automatic parsing: a mrkdwn text object without `verbatim` turns a plain @here,
    @channel, @everyone into a mention and a bare URL into a link; `verbatim` keeps them text;
    `<!here>` and `<url|label>` are parsed either way; a top-level text only with link_names."""
    one, two, three, four = (slack.add_channel(name) for name in ("a", "b", "c", "d"))  # a post each
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    words = "@here and @channel see https://example.com <!everyone> <https://evil.example|google.com>"

    def section(verbatim: bool) -> list[dict[str, Any]]:
        return [{"type": "section", "text": {"type": "mrkdwn", "text": words, "verbatim": verbatim}}]

    parsed = await client.chat_postMessage(channel=one, text="x", blocks=section(False))
    verbatim = await client.chat_postMessage(channel=two, text="x", blocks=section(True))
    plain = await client.chat_postMessage(channel=three, text="@here *hi*")
    linked = await client.chat_postMessage(channel=four, text="@here", link_names=True)
    pings = slack.pings()
    assert [who for ts, who in pings if ts == parsed["ts"]] == ["here", "channel", "everyone"]
    assert [who for ts, who in pings if ts == verbatim["ts"]] == ["everyone"]
    assert [who for ts, who in pings if ts == plain["ts"]] == []
    assert [who for ts, who in pings if ts == linked["ts"]] == ["here"]
    [first], [second] = slack.messages(one), slack.messages(two)
    assert slack.shown(first).links == [("https://example.com", "https://example.com"),
                                        ("https://evil.example", "google.com")]  # fmt: skip
    assert slack.shown(second).links == [("https://evil.example", "google.com")]
    assert slack.shown({"text": "*b* _i_ ~s~ `c` <!date^0^{_}|*>x<!date^0^{_}|*>"}).styles == [
        ("code", "c"), ("bold", "b"), ("italic", "i"), ("strike", "s")
    ]  # fmt: skip
    assert slack.shown({"text": "<!date^0^{_}|*>x<!date^0^{_}|*>"}).text == "*x*"  # a date's fallback: plain


async def test_metadata_is_read_back_only_with_metadata_message_read() -> None:
    """Posting metadata needs chat:write only; reading it back (include_all_metadata) is for an
    app with metadata.message:read: without it, history and replies carry none."""
    for scopes, expected in ((DEFAULT_SCOPES, True), (DEFAULT_SCOPES - {"metadata.message:read"}, False)):
        async with SlackEmulator(scopes=scopes) as slack:
            channel = slack.add_channel("general")
            client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
            meta = {"event_type": "practicebot_post", "event_payload": {"nonce": "n"}}
            posted = await client.chat_postMessage(channel=channel, text="q", metadata=meta)
            history = await client.conversations_history(channel=channel, include_all_metadata=True)
            replies = await client.conversations_replies(
                channel=channel, ts=posted["ts"], include_all_metadata=True
            )
            for found in (history["messages"][0], replies["messages"][0]):
                assert ("metadata" in found) is expected


async def test_a_file_is_shared_asynchronously_and_takes_only_rich_text_kinds_of_blocks(
    slack: SlackEmulator,
) -> None:
    """files.completeUploadExternal returns before the share is in the channel (held here until
    release_file_shares); files.list shows the file from the start. A markdown block, which
    chat.postMessage takes, is answered internal_error."""
    channel = slack.add_channel("c")
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
    slack.hold_file_shares = True
    await client.files_upload_v2(channel=channel, file=png, filename="a.png")
    assert slack.messages(channel) == []
    [listed] = (await client.files_list(user=slack.bot_user_id))["files"]
    assert listed["name"] == "a.png" and listed["channels"] == []
    assert slack.release_file_shares() == 1
    [shared] = slack.messages(channel)
    assert shared["files"][0]["name"] == "a.png"
    assert (await client.files_list(channel=channel))["files"][0]["channels"] == [channel]
    markdown = json.dumps([{"type": "markdown", "text": "**hi**"}])
    with pytest.raises(SlackApiError) as refused:
        await client.files_upload_v2(channel=channel, file=png, filename="b.png", blocks=markdown)
    assert refused.value.response["error"] == "internal_error"


class FakeClock:
    def __init__(self) -> None:
        self.seconds = 5_000.0

    def __call__(self) -> float:
        return self.seconds


async def test_oauth_v2_access_trades_a_code_once_within_ten_minutes_for_a_token_of_that_workspace() -> None:
    clock = FakeClock()
    async with SlackEmulator(clock=clock) as slack:
        team = slack.add_workspace("Acme")
        slack.redirect_uri = "https://bot.example.com/slack/oauth_redirect"
        ours = slack.add_channel("practice", team=team)
        theirs = slack.add_channel("practice")  # the first workspace's
        base = AsyncWebClient(base_url=slack.api_url)
        url = f"https://slack.com/oauth/v2/authorize?client_id={slack.client_id}&scope=chat:write&state=s1"
        back = slack.authorize(url, team)
        assert back.startswith("https://bot.example.com/slack/oauth_redirect?code=") and back.endswith(
            "&state=s1"
        )
        code = back.split("code=", 1)[1].split("&", 1)[0]

        async def refused(**args: Any) -> str:
            with pytest.raises(SlackApiError) as caught:
                await base.oauth_v2_access(**{"client_id": slack.client_id, "client_secret": slack.client_secret,
                                               "code": code, **args})  # fmt: skip
            return str(caught.value.response["error"])

        assert await refused(client_id="9999.9999") == "invalid_client_id"
        assert await refused(client_secret="wrong") == "bad_client_secret"
        assert await refused(code="T1.unknown") == "invalid_code"
        answer = await base.oauth_v2_access(
            client_id=slack.client_id, client_secret=slack.client_secret, code=code
        )
        assert (
            answer["team"]["id"] == team and answer["token_type"] == "bot" and answer["scope"] == "chat:write"
        )
        assert await refused() == "invalid_code"  # a code works once

        bot = AsyncWebClient(token=answer["access_token"], base_url=slack.api_url)
        assert (await bot.auth_test())["team_id"] == team
        await bot.chat_postMessage(channel=ours, text="hello Acme")
        with pytest.raises(SlackApiError) as caught:  # another workspace's channel does not exist here
            await bot.chat_postMessage(channel=theirs, text="hello")
        assert caught.value.response["error"] == "channel_not_found"

        late = slack.authorize(url, team).split("code=", 1)[1].split("&", 1)[0]
        clock.seconds += 10 * 60 + 1
        code = late
        assert await refused() == "invalid_code"  # expired after ten minutes
        assert slack.authorize(url, team, approve=False).endswith("?error=access_denied&state=s1")
        with pytest.raises(ValueError, match="Invalid client_id"):
            slack.authorize(url.replace(slack.client_id, "1.2"), team)
        with pytest.raises(ValueError, match="did not match any configured"):
            slack.authorize(url + "&redirect_uri=https://evil.example.com/", team)

        slack.uninstall(team)
        with pytest.raises(SlackApiError) as caught:
            await bot.auth_test()
        assert caught.value.response["error"] == "token_revoked"
        kinds = [e.payload["event"]["type"] for e in slack.envelopes[-2:]]
        assert kinds == ["tokens_revoked", "app_uninstalled"]
        assert {e.payload["team_id"] for e in slack.envelopes[-2:]} == {team}


async def test_an_app_outside_the_marketplace_reads_history_once_a_minute_per_workspace_15_a_page() -> None:
    clock = FakeClock()
    async with SlackEmulator(marketplace_app=False, clock=clock) as slack:
        channel = slack.add_channel("practice")
        user = slack.add_user("ana")
        for n in range(20):
            await slack.post_message(channel, user, f"m{n}")
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        page = await client.conversations_history(channel=channel, limit=200)
        assert len(page["messages"]) == 15 and page["has_more"]
        with pytest.raises(SlackApiError) as caught:  # no burst: the next call waits its minute
            await client.conversations_history(channel=channel, limit=200)
        assert caught.value.response.status_code == 429
        assert int(caught.value.response.headers["Retry-After"]) == 60
        await client.conversations_replies(channel=channel, ts=page["messages"][0]["ts"])  # its own minute
        clock.seconds += 60
        assert len((await client.conversations_history(channel=channel))["messages"]) == 15


async def test_a_shared_file_arrives_as_a_file_share_event_and_downloads_only_with_files_read(
    slack: SlackEmulator, bot: Bot
) -> None:
    """A person's file: a top-level file_share message event listing the file (id, name, size,
    mimetype, url_private_download). Its link gives the bytes for the bot token with files:read;
    without a token, with another one, or without the scope, Slack's sign-in page with status 200."""
    channel = slack.add_channel("general")
    user = slack.add_user("ana")
    data = b"question,answer\nWhat is 6 x 7?,42\n"
    await slack.share_file(channel, user, "pack.csv", data, f"<@{slack.bot_user_id}> pack import")
    event = await bot.event(f"<@{slack.bot_user_id}> pack import")
    assert (event["subtype"], event["user"], event["channel"]) == ("file_share", user, channel)
    assert "thread_ts" not in event
    [file] = event["files"]
    assert (file["name"], file["size"], file["mimetype"]) == ("pack.csv", len(data), "text/csv")
    link = file["url_private_download"]
    async with aiohttp.ClientSession() as http:
        async with http.get(link, headers={"Authorization": f"Bearer {slack.bot_token}"}) as answer:
            assert (answer.status, answer.content_type, await answer.read()) == (200, "text/csv", data)
        for headers in ({}, {"Authorization": "Bearer xoxb-someone-else"}):
            async with http.get(link, headers=headers) as answer:
                assert (answer.status, answer.content_type) == (200, "text/html")
                assert "Sign in" in await answer.text()
        slack.scopes.discard("files:read")
        async with http.get(link, headers={"Authorization": f"Bearer {slack.bot_token}"}) as answer:
            assert (answer.status, answer.content_type) == (200, "text/html")
    assert [served for _, served in slack.shared_files.downloads] == [True, False, False, False]


def test_a_modal_with_inputs_needs_submit_and_a_required_input_is_never_submitted_empty() -> None:
    """Slack's view reference: "submit is required when an input block is within the blocks
    array"; on submit every input block is in state.values (null when empty), an untouched one
    with its initial_value, and the client does not submit while a required one is empty."""
    from tests.emulators.slack.validation import check_view_model, submitted_state

    def block(block_id: str, initial: str = "", optional: bool = False) -> dict[str, Any]:
        element = {
            "type": "plain_text_input",
            "action_id": block_id,
            **({"initial_value": initial} if initial else {}),
        }
        label = {"type": "plain_text", "text": block_id}
        return {
            "type": "input",
            "block_id": block_id,
            "label": label,
            "optional": optional,
            "element": element,
        }

    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "T"},
        "blocks": [block("a", "kept"), block("b", optional=True)],
    }
    assert check_view_model(view) == [
        "[ERROR] submit is required when an input block is within the blocks array"
    ]
    assert check_view_model({**view, "submit": {"type": "plain_text", "text": "Send"}}) == []
    state = submitted_state(view, {})
    assert state == {
        "a": {"a": {"type": "plain_text_input", "value": "kept"}},
        "b": {"b": {"type": "plain_text_input", "value": None}},
    }
    with pytest.raises(ValueError, match="'a' is required"):
        submitted_state(view, {"a": {"a": {"value": ""}}})
    with pytest.raises(ValueError, match="no input blocks"):
        submitted_state(view, {"c": {"c": {"value": "x"}}})
