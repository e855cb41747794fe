"""Log lines as an operator reads them: through the real logging machinery into a stream."""

from __future__ import annotations

import io
import json
import logging
import string
from collections.abc import Iterator

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.config import load_config
from bot.core.shared.models import ChannelRef
from bot.logs import THROTTLE_EVERY, Throttle, configure_logging, secret_values

TOKEN = "MTIzNDU2Nzg5.discord-secret.token"
CHANNEL = ChannelRef("discord", "111", "222")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def capture(log_format: str) -> io.StringIO:
    stream = io.StringIO()
    configure_logging("INFO", log_format, [TOKEN], stream=stream)
    return stream


@pytest.mark.usefixtures("restore_logging")
def test_text_lines_carry_subscription_channel_and_platform() -> None:
    stream = capture("text")
    service = logging.getLogger("practicebot.service")
    service.info("posted %s to %s", "q-1", CHANNEL, extra={"subscription": 7, "channel": CHANNEL})
    service.info("reply to post %s", 3, extra={"subscription": 7, "channel": CHANNEL})
    logging.getLogger("practicebot.slack").info("slack ready")
    logging.getLogger("practicebot").info("started")
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith(
        "INFO practicebot.service: posted q-1 to discord:111/222 "
        "[subscription=7 platform=discord workspace=111 channel=222]"
    )
    assert lines[1].endswith("reply to post 3 [subscription=7 platform=discord workspace=111 channel=222]")
    assert lines[2].endswith("practicebot.slack: slack ready [platform=slack]")  # from the logger's name
    assert lines[3].endswith("practicebot: started")  # nothing known, nothing added


@pytest.mark.usefixtures("restore_logging")
def test_json_is_one_object_per_line_even_with_a_traceback() -> None:
    stream = capture("json")
    log = logging.getLogger("practicebot.service")
    log.warning("post %s in %s failed", 4, CHANNEL, extra={"subscription": 2})
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError:
        log.exception("job failed")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "WARNING"
    assert first["logger"] == "practicebot.service"
    assert first["message"] == "post 4 in discord:111/222 failed"
    assert (first["subscription"], first["platform"], first["workspace"], first["channel"]) == (
        2,
        "discord",
        "111",
        "222",
    )
    assert first["time"].endswith("+00:00")
    assert second["message"] == "job failed"
    assert "RuntimeError: boom\nsecond line" in second["exception"]


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.usefixtures("restore_logging")
def test_tokens_never_reach_the_log_not_even_in_a_traceback(log_format: str) -> None:
    stream = capture(log_format)
    log = logging.getLogger("discord.http")
    log.info("connecting with %s", TOKEN)
    log.info("Authorization: Bot " + TOKEN)
    try:
        raise ValueError(f"bad token {TOKEN}")
    except ValueError:
        log.exception("login failed")
    written = stream.getvalue()
    assert TOKEN not in written
    assert written.count("[redacted]") >= 3


def test_the_secrets_are_the_values_of_the_variables_the_config_names() -> None:
    config = load_config(None, {})
    environ = {
        "DISCORD_TOKEN": TOKEN,
        "SLACK_BOT_TOKEN": "xoxb-1-2-3",
        "SLACK_APP_TOKEN": "xapp-1-2",
        "SLACK_SIGNING_SECRET": "",  # set but empty: nothing to hide
        "PRACTICEBOT_METRICS_TOKEN": "metrics-token-1",
        "HOME": "/root",  # not a secret
    }
    assert secret_values(config, environ) == [TOKEN, "xoxb-1-2-3", "xapp-1-2", "metrics-token-1"]


URL_SAFE = st.text(alphabet=string.ascii_letters + string.digits + "_-.", min_size=20, max_size=90)


@pytest.mark.usefixtures("restore_logging")
@settings(max_examples=60, deadline=None)
@given(
    before=st.text(max_size=80),
    secret=URL_SAFE,
    after=st.text(max_size=80),
    log_format=st.sampled_from(["text", "json"]),
)
def test_a_secret_with_a_known_shape_is_redacted_wherever_it_turns_up(
    before: str, secret: str, after: str, log_format: str
) -> None:
    """An interaction token in a 429 warning's URL, a payload's verification token in an error, a
    Socket Mode ticket in a failed connect: none reaches the log, whatever text surrounds it."""
    assume(secret not in before + after)
    stream = capture(log_format)
    log = logging.getLogger("discord.http")
    shapes = (
        f"POST /api/v10/interactions/1234/{secret}/callback responded with 429",
        f"PATCH https://discord.com/api/v10/webhooks/99/{secret}/messages/@original",
        f"payload {{'type': 'block_actions', 'token': '{secret}'}}",
        f'{{"response_url": "https://hooks.slack.com/actions/T1/2/{secret}"}}',
        f"cannot connect to wss://wss-primary.slack.com/link/?ticket={secret}&app_id=A1",
        f"xoxb-{secret}",
    )
    for shape in shapes:
        log.warning("%s%s%s", before, shape, after)
    written = stream.getvalue()
    assert secret not in written
    assert written.count("[redacted]") >= len(shapes)


@pytest.mark.usefixtures("restore_logging")
def test_libraries_that_dump_payloads_write_no_debug_but_still_their_warnings() -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", "text", [], stream=stream)
    logging.getLogger("practicebot.service").debug("the bot's own debug line")
    for name in ("discord.gateway", "slack_sdk.web", "practicebot.slack.bolt", "aiosqlite"):
        logging.getLogger(name).debug("%s dumps a payload", name)
        logging.getLogger(name).warning("%s warns", name)
    written = stream.getvalue()
    assert "the bot's own debug line" in written
    assert "dumps a payload" not in written
    assert written.count(" warns") == 4


@pytest.mark.usefixtures("restore_logging")
def test_a_flood_of_one_library_error_is_one_line_per_interval_with_a_count() -> None:
    """As under a connection flood: asyncio's accept error and aiohttp's per-request one."""
    stream = capture("text")
    throttle = next(f for f in logging.getLogger().handlers[0].filters if isinstance(f, Throttle))
    now = [100.0]
    throttle.clock = lambda: now[0]
    for _ in range(5000):
        logging.getLogger("asyncio").error("socket.accept() out of system resource")
        logging.getLogger("aiohttp.server").error("Error handling request from %s", "10.0.0.9")
        logging.getLogger("practicebot.service").info("posted %s", "q-1")  # the bot's own: all kept
    now[0] += THROTTLE_EVERY
    logging.getLogger("asyncio").error("socket.accept() out of system resource")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 + 5000 + 1
    assert sum("Error handling request from 10.0.0.9" in line for line in lines) == 1
    assert lines[-1].endswith(
        "asyncio: socket.accept() out of system resource (and 4999 more like it in the last 10 s)"
    )
