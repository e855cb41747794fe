"""One practicebot serving several Slack workspaces: installed in each through bolt's OAuth flow
(HTTP mode, the installation store in the real SQLite file), each workspace's work done with its
own token, an uninstall pausing only that workspace, and partitions splitting the scheduling.
Real slack-bolt against the emulator, real sockets and a cookie-keeping browser session."""

from __future__ import annotations

import asyncio
import html
import itertools
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import build_service
from bot.config import ServerConfig, SlackConfig
from bot.core.daily.questions import QuestionBank
from bot.core.daily.service import PracticeService, ServiceSettings
from bot.core.shared.errors import About, PlatformError
from bot.core.shared.models import ChannelRef, SubscriptionStatus
from bot.ops.server import Server, serve
from bot.platforms.slack.adapter import OAuth, SlackPlatform
from bot.platforms.slack.installations import DatabaseInstallations, DatabaseStates
from bot.platforms.slack.manifest import BOT_SCOPES
from bot.platforms.slack.partitions import partition_of
from bot.storage.sqlite import SqliteStore
from tests.conftest import DEFAULTS, FakeTimer, clean_env, run_practicebot, stop_practicebot
from tests.e2e.test_blind_slack import open_form, submit
from tests.e2e.test_slack import command, free_port, posts, shown
from tests.emulators.slack import RateLimits, SlackEmulator

MONDAY_0859 = datetime(2026, 3, 2, 8, 59, tzinfo=UTC)


class Clock:
    """One clock for the emulator (rate limits, OAuth codes) and the bot (OAuth states):
    a test moves it instead of waiting."""

    def __init__(self) -> None:
        self.seconds = MONDAY_0859.timestamp()

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.seconds, UTC)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds

    async def sleep(self, seconds: float) -> None:
        """The bot's pacing waits on this clock: the time passes at once."""
        self.seconds += seconds
        await asyncio.sleep(0)


@dataclass
class Bot:
    platform: SlackPlatform
    service: PracticeService
    store: SqliteStore
    server: Server
    base: str  # http://127.0.0.1:PORT

    async def stop(self) -> None:
        await self.platform.close()
        await self.server.cleanup()
        await self.store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def marketplace() -> bool:
    return True


@pytest.fixture
async def slack(clock: Clock, marketplace: bool) -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(
        rate_limits=RateLimits(per_channel_burst=3),
        scopes=frozenset(BOT_SCOPES),
        clock=clock.monotonic,
        marketplace_app=marketplace,
    ) as emulator:
        yield emulator


@pytest.fixture
async def start_bot(
    slack: SlackEmulator, clock: Clock, tmp_path: Path, bank: QuestionBank
) -> AsyncIterator[Callable[..., Awaitable[Bot]]]:
    running: list[Bot] = []

    async def start(database: str = "bot.sqlite3", **config: Any) -> Bot:
        settings = SlackConfig(
            api_base_url=slack.api_url,
            mode="http",
            authorize_url=f"{slack.api_url}../oauth/v2/authorize",
            **config,
        )
        store = await SqliteStore.open(tmp_path / database)
        oauth = OAuth(
            slack.client_id,
            slack.client_secret,
            DatabaseInstallations(store, clock.now),
            DatabaseStates(store, clock.now),
        )
        platform = SlackPlatform(
            settings,
            None,
            signing_secret=slack.signing_secret,
            oauth=oauth,
            channel_rate=20.0,
            now=clock.monotonic,
            sleep=clock.sleep,
        )
        service = build_service(
            store, {"slack": platform}, clock, FakeTimer(), bank, ServiceSettings(DEFAULTS), random.Random(1)
        )
        await platform.start(service)
        port = free_port()
        server = await serve(platform.http_routes(), ServerConfig("127.0.0.1", port))
        base = f"http://127.0.0.1:{port}"
        slack.request_url = f"{base}/slack/events"
        slack.redirect_uri = f"{base}/slack/oauth_redirect"  # the app's Redirect URL in its settings
        await service.start()
        bot = Bot(platform, service, store, server, base)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()


class Browser:
    """An installer's browser: keeps bolt's state cookie as a browser on https would (the cookie
    is Secure, and this server is plain http on 127.0.0.1, so it is kept by hand)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session
        self.cookie = ""

    async def get(self, url: str) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        async with self.session.get(url, headers=headers, allow_redirects=False) as response:
            for value in response.headers.getall("Set-Cookie", []):
                self.cookie = value.split(";", 1)[0]
            return response.status, await response.text()

    async def add_to_slack(self, base: str, slack: SlackEmulator, team: str, **how: Any) -> str:
        """Open /slack/install and follow its Add to Slack link into Slack: where Slack sends
        the browser back (the bot's redirect URL with a code and the state)."""
        status, page = await self.get(f"{base}/slack/install")
        assert status == 200
        link = re.search(r'href="([^"]+/oauth/v2/authorize[^"]*)"', page)
        assert link is not None, "the install page has no Add to Slack link"
        return slack.authorize(html.unescape(link[1]), team, **how)


@asynccontextmanager
async def browser() -> AsyncIterator[Browser]:
    async with aiohttp.ClientSession() as session:
        yield Browser(session)


async def install(slack: SlackEmulator, bot: Bot, team: str, person: Browser) -> tuple[int, str]:
    """A workspace admin installs the app: the status and text of the page they end on."""
    return await person.get(await person.add_to_slack(bot.base, slack, team))


async def test_two_workspaces_install_through_oauth_and_each_posts_with_its_own_token(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Bot]]
) -> None:
    bot = await start_bot()
    teams = [slack.add_workspace("Acme"), slack.add_workspace("Globex")]
    for team in teams:
        async with browser() as person:
            status, page = await install(slack, bot, team, person)
        assert status == 200 and "Thank you!" in page
    assert [(await bot.store.installation(t)) is not None for t in teams] == [True, True]
    assert len(slack.calls("oauth.v2.access")) == 2

    channels = {team: slack.add_channel("practice", team=team) for team in teams}
    admins = {team: slack.add_user("lead", admin=True, team=team) for team in teams}
    for team in teams:
        answer = await command(slack, channels[team], admins[team], "/practice subscribe 09:00 UTC")
        assert "at 09:00 UTC on mon-fri" in shown(answer)
        await command(slack, channels[team], admins[team], "/practice post-now")
    for team in teams:
        [post] = posts(slack, channels[team])
        assert "Beginner question 1?" in shown(post)
    sent = [
        (r.body.get("channel") or r.query.get("channel"), r.team_id) for r in slack.calls("chat.postMessage")
    ]
    assert sent and {(channels[team], team) for team in teams} == set(sent)  # each with its own token
    assert all(r.status == 200 and r.error is None for r in slack.calls("chat.postMessage"))
    assert bot.platform.is_connected  # nothing from the environment was needed


async def test_a_blind_answer_form_opens_and_is_kept_in_a_workspace_installed_through_oauth(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Bot]]
) -> None:
    """Buttons and modals go through the workspace's own token too (views.open with its trigger)."""
    bot = await start_bot()
    slack.add_workspace("Acme")  # installed, but not where the form is
    team = slack.add_workspace("Globex")
    async with browser() as person:
        assert (await install(slack, bot, team, person))[0] == 200
    channel, admin = slack.add_channel("practice", team=team), slack.add_user("lead", admin=True, team=team)
    ana = slack.add_user("ana", team=team)
    await command(slack, channel, admin, "/practice subscribe answers=blind")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    view = await open_form(slack, channel, ana, post)
    ack = await submit(slack, view, ana, "a persistent full-duplex socket")
    assert ack.get("response_action") == "update"
    assert [r.team_id for r in slack.calls("views.open")] == [team]
    stored = await bot.store.open_post(1)
    assert stored is not None
    assert await bot.store.blind_answer(stored.id, ana) == "a persistent full-duplex socket"
    assert "persistent" not in str(slack.replies(channel, post["ts"]))  # hidden until the reveal


async def test_a_replayed_or_expired_install_is_refused_with_a_page_saying_so(
    slack: SlackEmulator, clock: Clock, start_bot: Callable[..., Awaitable[Bot]]
) -> None:
    bot = await start_bot()
    team = slack.add_workspace("Acme")
    async with browser() as person:
        back = await person.add_to_slack(bot.base, slack, team)
        cookie = person.cookie
        assert (await person.get(back))[0] == 200
        person.cookie = cookie  # the redirect replayed, cookie and all (bolt clears it after use)
        status, page = await person.get(back)
        assert status == 401  # its state was consumed in the database
        assert "expired (after ten minutes) or was used already" in page and "/slack/install" in page

        late = await person.add_to_slack(bot.base, slack, team)
        clock.advance(11 * 60)  # the installer came back after lunch
        status, page = await person.get(late)
        assert status == 401 and "expired (after ten minutes)" in page

        back = await person.add_to_slack(bot.base, slack, team)
    async with browser() as stranger:  # the redirect opened in a browser without the state's cookie
        status, page = await stranger.get(back)
        assert status == 400 and "another browser" in page
    assert len(slack.calls("oauth.v2.access")) == 1  # no refused install reached Slack


async def test_a_code_slack_does_not_accept_or_a_cancelled_install_installs_nothing(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Bot]]
) -> None:
    bot = await start_bot()
    team = slack.add_workspace("Acme")
    async with browser() as person:
        back = await person.add_to_slack(bot.base, slack, team)
        status, page = await person.get(re.sub(r"code=[^&]+", "code=T0.not-a-code", back))
        assert status == 401 and "did not accept the install" in page
        cancelled = await person.add_to_slack(bot.base, slack, team, approve=False)
        status, page = await person.get(cancelled)
        assert "cancelled in Slack; nothing was installed" in page
    assert [r.error for r in slack.calls("oauth.v2.access")] == ["invalid_code"]
    assert await bot.store.installation(team) is None


async def test_an_uninstalled_workspace_pauses_saying_why_and_the_other_keeps_going(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Bot]]
) -> None:
    bot = await start_bot()
    teams = [slack.add_workspace("Acme"), slack.add_workspace("Globex")]
    channels, admins = {}, {}
    for team in teams:
        async with browser() as person:
            assert (await install(slack, bot, team, person))[0] == 200
        channels[team] = slack.add_channel("practice", team=team)
        admins[team] = slack.add_user("lead", admin=True, team=team)
        await command(slack, channels[team], admins[team], "/practice subscribe")
    gone, kept = teams

    slack.uninstall(gone)
    await slack.wait_for(lambda: all(e.is_acked for e in slack.envelopes[-2:]))
    subscription = await _until_status(
        bot, ChannelRef("slack", gone, channels[gone]), SubscriptionStatus.PAUSED
    )
    assert "uninstalled from this workspace" in subscription.status_reason
    assert "/practice resume" in subscription.status_reason
    assert await bot.store.installation(gone) is None
    still = await bot.store.subscription_for(ChannelRef("slack", kept, channels[kept]))
    assert still is not None and still.status is SubscriptionStatus.ACTIVE

    await command(slack, channels[kept], admins[kept], "/practice post-now")
    assert len(posts(slack, channels[kept])) == 1
    await bot.service.run_post(subscription.id)  # a scheduled post there finds nothing to do
    assert posts(slack, channels[gone]) == []
    assert not [r for r in slack.calls("chat.postMessage") if r.error == "token_revoked"]


async def test_a_process_holding_an_old_token_takes_the_new_one_after_a_reinstall(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Bot]]
) -> None:
    """Two processes, one database: the workspace uninstalls and installs again through the
    second; the first, still holding the revoked token, retries with the new one instead of
    pausing the channel."""
    first = await start_bot()
    team = slack.add_workspace("Acme")
    async with browser() as person:
        assert (await install(slack, first, team, person))[0] == 200
    channel, admin = slack.add_channel("practice", team=team), slack.add_user("lead", admin=True, team=team)
    await command(slack, channel, admin, "/practice subscribe")
    await command(slack, channel, admin, "/practice post-now")  # the first process now holds the token
    [post] = posts(slack, channel)
    ref = ChannelRef("slack", team, channel)
    assert await first.platform.thread_replies(ref, post["ts"]) == []

    second = await start_bot()  # Slack now calls the second (the load balancer's choice)
    await asyncio.wait_for(asyncio.gather(*second.service.background), 5)  # its start-up read-back
    slack.uninstall(team)
    await _until_status(second, ref, SubscriptionStatus.PAUSED)
    async with browser() as person:
        assert (await install(slack, second, team, person))[0] == 200
    status = shown(await command(slack, channel, admin, "/practice status"))
    assert "uninstalled from this workspace" in status and "/practice resume" in status
    await command(slack, channel, admin, "/practice resume")

    with pytest.raises(PlatformError) as refused:
        await first.platform.thread_replies(ref, post["ts"])
    assert refused.value.about is About.RETRY and "installed again" in refused.value.reason
    assert await first.platform.thread_replies(ref, post["ts"]) == []  # with the new token
    assert [r.error for r in slack.calls("conversations.replies")][-2:] == ["token_revoked", None]
    still = await first.store.subscription_for(ref)
    assert still is not None and still.status is SubscriptionStatus.ACTIVE


async def _until_status(bot: Bot, channel: ChannelRef, status: SubscriptionStatus) -> Any:
    async with asyncio.timeout(5):
        while True:
            found = await bot.store.subscription_for(channel)
            if found is not None and found.status is status:
                return found
            await asyncio.sleep(0.01)


async def test_with_two_partitions_a_process_schedules_only_its_workspaces(
    slack: SlackEmulator, clock: Clock, start_bot: Callable[..., Awaitable[Bot]]
) -> None:
    teams = [slack.add_workspace(f"Team {n}") for n in range(8)]
    ours = [t for t in teams if partition_of(t, 2) == 0]
    theirs = [t for t in teams if partition_of(t, 2) == 1]
    assert ours and theirs, "the emulator's team ids should fall in both partitions"
    bot = await start_bot(partition_count=2, partition_ids=(0,))
    for team in teams:
        async with browser() as person:
            assert (await install(slack, bot, team, person))[0] == 200
        channel = slack.add_channel("practice", team=team)
        admin = slack.add_user("lead", admin=True, team=team)
        await command(slack, channel, admin, "/practice subscribe")  # any process takes a command
    subscriptions = await bot.store.subscriptions()
    clock.advance(60)  # 09:00: every post time comes, in this process
    for subscription in subscriptions:
        await bot.service.run_post(subscription.id)
    posted = {s.channel.workspace_id for s in subscriptions if posts(slack, s.channel.channel_id)}
    assert posted == set(ours)

    other = await start_bot(partition_count=2, partition_ids=(1,))  # the other process, same database
    assert isinstance(other.service.timer, FakeTimer)
    timed = {s.channel.workspace_id for s in subscriptions if s.id in other.service.timer.posts}
    assert timed == set(theirs)  # its start-up scheduled exactly the other partition's workspaces


@pytest.mark.parametrize("marketplace", [False])
async def test_a_distributed_app_reads_a_long_thread_back_a_page_a_minute_without_a_429(
    slack: SlackEmulator, clock: Clock, start_bot: Callable[..., Awaitable[Bot]]
) -> None:
    """Outside the Marketplace, conversations.replies is about once a minute and 15 messages a
    call: a thread of 40 replies (41 messages with its parent) is 3 calls, a minute apart."""
    bot = await start_bot()  # OAuth on: distributed unless [slack] distributed = false
    assert bot.platform.distributed
    team = slack.add_workspace("Acme")
    async with browser() as person:
        assert (await install(slack, bot, team, person))[0] == 200
    channel = slack.add_channel("practice", team=team)
    admin = slack.add_user("lead", admin=True, team=team)
    people = [slack.add_user(f"p{n}", team=team) for n in range(8)]
    await command(slack, channel, admin, "/practice subscribe")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    for n in range(40):
        await slack.post_message(channel, people[n % 8], f"answer {n}", thread_ts=post["ts"])

    replies = await bot.platform.thread_replies(ChannelRef("slack", team, channel), post["ts"])
    assert len(replies) == 40
    calls = slack.calls("conversations.replies")
    assert [r.status for r in calls] == [200, 200, 200] and slack.count_429 == 0
    assert [int(r.query.get("limit") or r.body.get("limit")) for r in calls] == [15, 15, 15]
    stamps = [r.clock or 0.0 for r in calls]
    assert all(later - earlier >= 60 for earlier, later in itertools.pairwise(stamps))


async def test_practicebot_run_with_oauth_credentials_serves_installs_and_never_logs_a_secret(
    tmp_path: Path,
) -> None:
    """The composition root: `practicebot run` with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (no
    bot token) in HTTP mode takes an install, then the workspace's commands; at DEBUG, neither
    the client secret nor the workspace's bot token appears in what it wrote."""
    async with (
        SlackEmulator(client_secret="oauth-client-secret-51f0") as slack,
        aiohttp.ClientSession() as session,
    ):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        slack.request_url, slack.redirect_uri = f"{base}/slack/events", f"{base}/slack/oauth_redirect"
        config = tmp_path / "practicebot.toml"
        config.write_text(
            f'[slack]\nmode = "http"\napi_base_url = "{slack.api_url}"\n'
            f'authorize_url = "{slack.api_url}../oauth/v2/authorize"\n[server]\nport = {port}\n'
        )
        env = clean_env(
            SLACK_CLIENT_ID=slack.client_id,
            SLACK_CLIENT_SECRET=slack.client_secret,
            SLACK_SIGNING_SECRET=slack.signing_secret,
            PRACTICEBOT_LOG_LEVEL="DEBUG",
        )
        process = await run_practicebot(config, tmp_path / "bot.sqlite3", env)
        try:
            await _until_listening(session, f"{base}/slack/install")
            team = slack.add_workspace("Acme")
            person = Browser(session)
            status, page = await person.get(await person.add_to_slack(base, slack, team))
            assert status == 200 and "Thank you!" in page
            channel = slack.add_channel("practice", team=team)
            ana = slack.add_user("ana", team=team)
            envelope = await slack.slash_command(channel, ana, "/question", "beginner")
            ack = await envelope.acked(timeout=10)
            assert ack["blocks"][0]["type"] == "header"
            [token] = [t for t, owner in slack.tokens.items() if owner == team]
        finally:
            tokens = [t for t, owner in slack.tokens.items() if owner != slack.team_id]
            await stop_practicebot(process, [*tokens, slack.client_secret, slack.signing_secret])
        assert tokens == [token]


async def test_oauth_in_socket_mode_is_refused_with_what_to_change(tmp_path: Path) -> None:
    config = tmp_path / "practicebot.toml"
    config.write_text("[slack]\n")  # Socket Mode, the default
    env = clean_env(SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s3cret-value")
    process = await run_practicebot(config, tmp_path / "bot.sqlite3", env)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    written = (stdout + stderr).decode()
    assert process.returncode == 1, written[-2000:]
    assert 'needs [slack] mode = "http"' in written and "Traceback" not in written
    assert "s3cret-value" not in written


async def _until_listening(session: aiohttp.ClientSession, url: str) -> None:
    """Until the subprocess's HTTP server answers (bounded)."""
    async with asyncio.timeout(30):
        while True:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
