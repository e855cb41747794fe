"""The daily cycle's use cases: post, reply, reveal, ask, board; and the front door that hands
the rest to the desks bot/app.py attaches (/practice in channel_desk.py, review, self-check,
blind answers, recaps). Talks to ports only.

Ordering rules that keep "nothing lost, nothing twice":
- a post is claimed in the Store (unique per subscription and local date) before it is sent;
- a subscription has at most one open post: a new post first reveals the one before it;
- a post's streaks are written in the same transaction that marks it revealed;
- no single item stops a channel: a post or reveal failing for a reason about itself (a render
  error, a platform refusing that one message) is given up after `MAX_TRIES`, recorded with its
  reason for admins (/practice status), and the channel goes on; only a failure about the
  channel itself pauses it, and one about the platform's token pauses nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import secrets
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.core.blind import rules as blind
from bot.core.blind.desk import BlindDesk
from bot.core.calendar.ports import CalendarStore
from bot.core.calendar.seasons import with_best_ever
from bot.core.catalog.desk import CatalogDesk
from bot.core.commands.grammar import (
    SUGGEST_ACTIONS,
    AskQuestion,
    Command,
    Practice,
    Review,
    ShowBookmarks,
    ShowStreaks,
)
from bot.core.daily import messages as say
from bot.core.daily.channel_desk import ChannelDesk
from bot.core.daily.ports import FailureStore, PostStore, ReplyStore, SubscriptionStore
from bot.core.daily.questions import QuestionBank, choose_next
from bot.core.daily.schedule import (
    next_occurrence,
    occurrences,
)
from bot.core.daily.streaks import DEFAULT_FREEZES, Freezes, advance, advance_team, kept_private, top_rows
from bot.core.personal.desk import PersonalDesk
from bot.core.personal.ports import PersonalStore
from bot.core.recap.desk import RecapDesk
from bot.core.recap.rules import DEFAULT_RECAP, RECAP_GRACE, RecapTime
from bot.core.review.desk import VERBS as REVIEW_VERBS
from bot.core.review.desk import ReviewDesk
from bot.core.selfcheck import rules as selfcheck
from bot.core.selfcheck.desk import SelfCheckDesk
from bot.core.selfcheck.ports import SelfCheckStore
from bot.core.shared.errors import About, PlatformError, UserError, as_platform_error
from bot.core.shared.messages import Response
from bot.core.shared.models import (
    LEVELS,
    Board,
    Caller,
    ChannelRef,
    Post,
    PostStatus,
    Question,
    Schedule,
    Subscription,
    SubscriptionSettings,
    SubscriptionStatus,
    User,
)
from bot.core.shared.ports import Clock, Metrics, NoMetrics, Platform, Timer
from bot.core.suggest import rules as suggest
from bot.core.suggest.desk import SuggestDesk

log = logging.getLogger("practicebot.service")

RETRY_AFTER = timedelta(minutes=1)
START_CONCURRENCY = 8  # subscriptions caught up at once at start-up
REVEAL_BEFORE_NEXT = timedelta(minutes=1)
CATCH_UP_LIMIT = timedelta(days=366)
MAX_TRIES = 3  # tries of an item failing for a reason about itself before it is given up


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    defaults: SubscriptionSettings
    misfire_grace: timedelta = timedelta(hours=1)
    team_min_answers: int = 1
    # a freeze per `every` answered posts, at most `cap` held; each saves a streak from one miss
    freezes: Freezes = DEFAULT_FREEZES
    # per person: /question and /streaks at most once per this, so nobody can drive the bot
    # into the platform's rate limits for everyone
    command_cooldown: timedelta = timedelta(seconds=3)
    # the weekly recap of a subscription that set none (None: off), and how late a missed one goes out
    recap: RecapTime | None = DEFAULT_RECAP
    recap_grace: timedelta = RECAP_GRACE


class DailyStore(
    SubscriptionStore,
    PostStore,
    ReplyStore,
    FailureStore,
    CalendarStore,
    SelfCheckStore,
    PersonalStore,
    Protocol,
):
    """Subscriptions, posts, replies and streaks, failures; the board's season and accuracy, who
    keeps their row off it, and who is away on a post's day."""


@dataclass(frozen=True, slots=True)
class Desks:
    """The features beside the daily cycle, each built with what it needs by bot/app.py."""

    channels: ChannelDesk
    review: ReviewDesk
    self_checks: SelfCheckDesk
    blind: BlindDesk
    recaps: RecapDesk
    suggestions: SuggestDesk
    catalog: CatalogDesk
    personal: PersonalDesk


class PracticeService:
    """The daily cycle (the `DailyCycle` port the desks use) and the front door: it routes
    commands, button presses and forms to the desks attached to it."""

    def __init__(
        self,
        store: DailyStore,
        platforms: Mapping[str, Platform],
        clock: Clock,
        timer: Timer,
        bank: QuestionBank,
        settings: ServiceSettings,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics or NoMetrics()
        self.platforms = platforms
        self.clock = clock
        self.timer = timer
        self.bank = bank
        self.settings = settings
        self.rng = rng or random.SystemRandom()
        self._locks: dict[int, asyncio.Lock] = {}
        self._last_asked: dict[tuple[str, str, str], datetime] = {}
        # events are seen without a gap since this instant, per platform; threads older than it
        # are read back from the platform before their reveal
        self._watching_since: dict[str, datetime] = {}
        self._read_back: set[int] = set()  # posts whose thread was read back since then
        self._reading: dict[int, asyncio.Lock] = {}  # one read-back of a thread at a time
        # threads with a reply that could not be stored (the database could not be written, like a
        # full disk): read back before their reveal, so the reply still counts
        self._unstored: set[tuple[ChannelRef, str]] = set()
        # since when this process runs: a day missed after it was missed while running (the host
        # was suspended, or its clock stepped), not because the bot was down
        self._running_since: datetime | None = None
        self.background: set[asyncio.Task[object]] = set()
        self._waiting: set[asyncio.Future[None]] = set()
        self._desks: Desks | None = None

    def attach(self, desks: Desks) -> None:
        """Plug in the feature desks (the composition root builds them, with this service as
        their DailyCycle): commands, presses and forms go to them, and the cycle's own moments
        (start-up, a post wake-up, a reveal) call the recap, review and blind-answer desks."""
        self._desks = desks

    @property
    def desks(self) -> Desks:
        assert self._desks is not None, "PracticeService.attach(desks) first (bot/app.py wires them)"
        return self._desks

    @property
    def channels(self) -> ChannelDesk:
        return self.desks.channels

    @property
    def review(self) -> ReviewDesk:
        return self.desks.review

    @property
    def self_checks(self) -> SelfCheckDesk:
        return self.desks.self_checks

    @property
    def blind(self) -> BlindDesk:
        return self.desks.blind

    @property
    def recaps(self) -> RecapDesk:
        return self.desks.recaps

    @property
    def catalog(self) -> CatalogDesk:
        return self.desks.catalog

    @property
    def personal(self) -> PersonalDesk:
        return self.desks.personal

    @property
    def suggestions(self) -> SuggestDesk:
        return self.desks.suggestions

    def lock(self, subscription_id: int) -> asyncio.Lock:
        return self._locks.setdefault(subscription_id, asyncio.Lock())

    # ------------------------------------------------------------ start-up

    async def start(self) -> None:
        """Re-arm every wake-up from the Store and do what is overdue (missed posts now; overdue
        reveals as soon as the timer runs). Replies written while the bot was away are read back
        in the background, and before any reveal of a thread that was open meanwhile."""
        self._running_since = self.clock.now()
        await self.catalog.start()  # the stored packs, before any post draws from them
        for name, platform in self.platforms.items():
            self.missed_events(name)
            self._read_back_once_receiving(name, platform)
        # only this process's part of each platform: another process serves the rest
        mine = [s for s in await self.store.subscriptions() if self.owns(s.channel)]
        owned = {s.id for s in mine}
        await self.recaps.start(mine)
        for post in await self.store.posts_with_status(PostStatus.POSTED):
            if post.subscription_id not in owned:
                continue
            assert post.reveal_at is not None
            self.timer.wake_reveal(post.id, post.reveal_at)
        # a subscription with nothing due and nothing half-sent only needs its next wake-up,
        # worked out here for all of them from three queries (run_post would spend six on each)
        now = self.clock.now()
        last = await self.store.last_scheduled()
        claimed = {post.subscription_id for post in await self.store.posts_with_status(PostStatus.CLAIMED)}
        behind: list[int] = []
        # subscriptions on the same schedule that posted the same day wait for the same instant:
        # work each (schedule, last handled) pair out once (zone conversions, a day at a time)
        upcoming: dict[tuple[Schedule, datetime], datetime] = {}
        for subscription in mine:
            if subscription.status is not SubscriptionStatus.ACTIVE:
                continue
            since = _handled_until(subscription, now, last.get(subscription.id))
            key = (subscription.settings.schedule, since)
            due = upcoming.get(key)
            if due is None:
                due = upcoming[key] = next_occurrence(*key)[1]
            if due <= now or since > now or subscription.id in claimed:
                behind.append(subscription.id)
            else:
                self.timer.wake_post(subscription.id, due)  # as run_post would arm it
        # the others each on their own, a few at a time: a slow channel holds nobody else up
        gate = asyncio.Semaphore(START_CONCURRENCY)

        async def catch_up(subscription_id: int) -> None:
            async with gate:
                await self.run_post(subscription_id)

        await asyncio.gather(*(catch_up(subscription_id) for subscription_id in behind))

    async def workspace_removed(self, platform: str, workspace_id: str, reason: str) -> int:
        """The app was removed from a whole workspace (a Slack uninstall): every active
        subscription there pauses with `reason`, which /practice status shows once it is back;
        history and streaks stay. How many paused."""
        paused = 0
        for subscription in await self.store.subscriptions(SubscriptionStatus.ACTIVE):
            channel = subscription.channel
            if channel.platform == platform and channel.workspace_id == workspace_id:
                await self.store.set_status(
                    subscription.id, SubscriptionStatus.PAUSED, reason, self.clock.now()
                )
                self.timer.cancel_post(subscription.id)
                paused += 1
        return paused

    def owns(self, channel: ChannelRef) -> bool:
        """Whether this process serves the channel. A platform this process was not started
        with is not its own: another process may serve it from the same database, and when
        this one is restarted with it, catch-up posts what is still within grace."""
        platform = self.platforms.get(channel.platform)
        return platform is not None and platform.owns(channel)

    def _read_back_once_receiving(self, name: str, platform: Platform) -> None:
        """Read back every open thread once the platform's events flow: a reply written before
        that is in its history, one written after arrives as an event. Waiting is not work: the
        wait is kept out of `background`, so a platform that never connects never holds up a stop."""

        async def when_receiving() -> None:
            await platform.receiving()
            self.missed_events(name)
            self._spawn(self.backfill(name))

        waiting = asyncio.ensure_future(when_receiving())
        self._waiting.add(waiting)
        waiting.add_done_callback(self._waiting.discard)

    def missed_events(self, platform: str) -> None:
        """The platform may have dropped events (a start, a reconnect that could not resume):
        open threads from before now are read back before they are revealed."""
        self._watching_since[platform] = self.clock.now()
        self._read_back.clear()

    def _spawn(self, work: Awaitable[object]) -> None:
        task: asyncio.Task[object] = asyncio.ensure_future(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def backfill(self, platform: str | None = None) -> int:
        """Record the replies in every open thread (of one platform, or all) from the platform's
        own history: platforms do not replay events to a new connection. Returns how many were new."""
        added = 0
        for post in await self.store.posts_with_status(PostStatus.POSTED):
            subscription = await self.store.subscription(post.subscription_id)
            if subscription is None or (platform is not None and subscription.channel.platform != platform):
                continue
            if not self.owns(subscription.channel):
                continue
            added += await self._read_thread(subscription, post)
        if added:
            log.info("read back %d replies written while away", added)
        return added

    async def _read_thread(self, subscription: Subscription, post: Post) -> int:
        """Read a thread back once. A second caller (the reveal, while the start-up read-back is
        still storing what it read) waits for the first, so no reply it read is left out."""
        if post.thread_id is None:
            return 0
        async with self._reading.setdefault(post.id, asyncio.Lock()):
            if post.id in self._read_back:
                return 0
            try:
                platform = self.platform_of(subscription)
                written = await platform.thread_replies(subscription.channel, post.thread_id)
            except Exception as exc:  # the reveal goes on without the read-back
                failure = as_platform_error(exc)
                if await self.platform_failed(subscription, failure, f"read-back of post {post.id}"):
                    self._read_back.add(post.id)
                return 0
            added = 0
            for user, at in written:
                added += await self.record_reply(subscription.channel, post.thread_id, user, at)
            self._read_back.add(post.id)  # only now: every reply it read is stored
            return added

    # ------------------------------------------------------------ commands

    async def handle(self, caller: Caller, command: Command) -> Response:
        """Run a parsed command. Refusals and bad arguments come back as private text."""
        started = time.perf_counter()
        try:
            return await self._handle(caller, command)
        finally:
            self.metrics.command_handled(
                caller.channel.platform, _command_name(command), time.perf_counter() - started
            )

    async def _handle(self, caller: Caller, command: Command) -> Response:
        try:
            if isinstance(command, Practice) and command.action in SUGGEST_ACTIONS:
                return await self.suggestions.handle(caller, command)
            if isinstance(command, Practice) and command.pack is not None:
                return await self.catalog.handle(caller, command.pack, command.attachment)
            if isinstance(command, Practice) and command.action == "away":
                assert command.away is not None
                return await self.personal.away(caller, command.away)
            if isinstance(command, Practice):
                return await self.channels.handle(caller, command)
            if isinstance(command, AskQuestion):
                self._cool_down(caller, "question")
                return await self._ask(caller, command.level)
            if isinstance(command, ShowStreaks) and command.hide is not None:
                self._cool_down(caller, "streaks hide" if command.hide else "streaks show")
                return await self.personal.privacy(caller, command.hide)
            if isinstance(command, ShowStreaks):
                self._cool_down(caller, "streaks me" if command.me else "streaks")
                return await self._streaks(caller, me=command.me)
            if isinstance(command, ShowBookmarks | Review):
                return await self._bookmarks(caller, command)
        except UserError as exc:
            return Response.text(exc.message)
        raise AssertionError(f"unhandled command {command!r}")

    async def handle_action(self, caller: Caller, action: str) -> Response:
        """A button press, by its action id (`answer:<question id>`)."""
        started = time.perf_counter()
        try:
            return await self._handle_action(caller, action)
        finally:
            self.metrics.command_handled(caller.channel.platform, "button", time.perf_counter() - started)

    async def _handle_action(self, caller: Caller, action: str) -> Response:
        verb, _, argument = action.partition(":")
        try:
            if verb == "answer":
                return await self._show_answer(caller, argument)
            if verb == selfcheck.VERB:
                return await self.self_checks.press(caller, argument)
            if verb in REVIEW_VERBS:
                return await self.review.press(caller.channel.platform, caller.user.id, verb, argument)
            if verb == blind.VERB:
                return await self.blind.open_form(caller, argument)
            if verb == suggest.AGAIN:
                return await self.suggestions.press(caller, argument)
        except UserError as exc:
            return Response.text(exc.message)
        return Response.text("That button no longer does anything.")

    async def submit_form(self, caller: Caller, action: str, values: Mapping[str, str]) -> Response:
        """A submitted form (see `messages.Form`), by its action id and what was typed in each
        of its fields, by name (a field left out counts as empty)."""
        started = time.perf_counter()
        verb, _, argument = action.partition(":")
        try:
            if verb == blind.VERB:
                return await self.blind.submit(caller, argument, values)
            if verb in (suggest.NEW, suggest.EDIT):
                return await self.suggestions.submit(caller, verb, argument, values)
        except UserError as exc:
            return Response.text(exc.message)
        finally:
            self.metrics.command_handled(caller.channel.platform, "form", time.perf_counter() - started)
        return Response.text("That form no longer does anything.")

    async def _bookmarks(self, caller: Caller, command: ShowBookmarks | Review) -> Response:
        platform, user = caller.channel.platform, caller.user.id
        if isinstance(command, Review):
            if command.remind is None:
                return await self.review.deal(platform, user)
            return await self.review.remind(caller.channel, platform, user, command.remind)
        if command.remove is not None:
            return await self.review.remove(platform, user, command.remove)
        return await self.review.show(platform, user)

    async def post_in(self, channel: ChannelRef, post_id: int) -> Post | None:
        """The post a button or form names, if it was posted in `channel`; None: the press is junk."""
        post = await self.store.post(post_id)
        subscription = await self.store.subscription(post.subscription_id) if post else None
        return post if subscription is not None and subscription.channel == channel else None

    async def _show_answer(self, caller: Caller, question_id: str) -> Response:
        """A /question card's answer; refused while that question is open for answers in a
        channel on the caller's platform (a card dealt before today's post went out)."""
        question = self.bank.get_for(question_id, caller.channel)
        if question is None:
            raise UserError("That question is no longer in any pack.")
        await self.review.refuse_if_open(caller.channel.platform, question)
        return Response((say.answer_card(question),))

    def _cool_down(self, caller: Caller, what: str) -> None:
        now = self.clock.now()
        key = (caller.channel.platform, caller.user.id, what)
        last = self._last_asked.get(key)
        wait = self.settings.command_cooldown - (now - last) if last else timedelta(0)
        if wait > timedelta(0):
            seconds = max(1, round(wait.total_seconds()))
            raise UserError(f"Easy there: /{what} again in {seconds}s.")
        self._last_asked[key] = now
        if len(self._last_asked) > 10_000:  # keep memory bounded: drop entries older than the cooldown
            cutoff = now - self.settings.command_cooldown
            self._last_asked = {k: t for k, t in self._last_asked.items() if t > cutoff}

    async def _ask(self, caller: Caller, level: str | None) -> Response:
        """A random question, never one open for answers in a channel on the caller's platform
        (its Show answer would give the model answer away before the reveal)."""
        subscription = await self.store.subscription_for(caller.channel)
        chosen = subscription.settings.packs if subscription is not None else ()
        deck = self.bank.channel_deck(caller.channel, (level,) if level else LEVELS, chosen)
        if not deck:
            raise UserError(f"no {level} questions are loaded")
        hidden = await self.store.open_questions(caller.channel.platform)
        deck = tuple(question for question in deck if question.id not in hidden)
        if not deck:
            what = f"{level} questions" if level else "questions"
            raise UserError(f"All the loaded {what} are open for answers now: ask again after the reveal.")
        question = self.rng.choice(deck)
        return Response((say.question_card(question, self.level_size(question)),))

    async def _streaks(self, caller: Caller, *, me: bool) -> Response:
        subscription = await self.store.subscription_for(caller.channel)
        if subscription is None:
            raise UserError("This channel is not subscribed, so it has no streaks yet.")
        if me:
            mine = await self.board(subscription.id, only=caller.user.id)
            hidden = caller.user.id in await self.store.board_hidden(subscription.id)
            return Response((say.my_streak(mine, caller.user, hidden),))
        return Response((say.board(await self.board(subscription.id)),), private=False)

    async def board(self, subscription_id: int, *, only: str | None = None) -> Board:
        """The board's first rows (`say.BOARD_ROWS`), or with `only` that person's row alone.
        People who keep their row private are left off it and only counted."""
        state, names = await self.store.streak_state(subscription_id)
        hidden = await self.store.board_hidden(subscription_id)
        open_post = await self.store.open_post(subscription_id)
        open_answerers: dict[str, str] = {}
        if open_post is not None:
            open_answerers = await self.store.on_time_answerers(open_post.id)
            names = open_answerers | names  # a stored name wins, as before
        team, closed = await self.store.team_streak(subscription_id)
        season = await self.store.season_state(subscription_id)
        rows, people = top_rows(state, open_answerers, names, say.BOARD_ROWS, only, hidden)
        accuracy = await self.store.accuracy(subscription_id)  # across seasons: a skill, not a run
        return Board(
            rows=selfcheck.with_accuracy(with_best_ever(rows, season.best_before), accuracy),
            accuracy={only: accuracy[only]} if only in accuracy else {},
            people=people,
            private=kept_private(state, open_answerers, hidden) if only is None else 0,
            team=team,
            closed_posts=closed,
            season=season.number,
            season_since=season.started_on,
            team_best_ever=max(team.best, season.team_best_before),
            past_best=season.best_before,
        )

    # ------------------------------------------------------------ replies

    async def open_thread(self, channel: ChannelRef) -> str | None:
        """The thread of the channel's open post, if any (for platforms without threads)."""
        subscription = await self.store.subscription_for(channel)
        post = await self.store.open_post(subscription.id) if subscription else None
        return post.thread_id if post else None

    async def record_reply(
        self, channel: ChannelRef, thread_id: str, user: User, at: datetime | None = None
    ) -> bool:
        """A person wrote in a thread. True if it is a new answer to a daily post."""
        # one statement finds the post and stores the answer: replies come in bursts
        try:
            stored = await self.store.add_thread_reply(channel, thread_id, user, at or self.clock.now())
        except Exception as exc:  # the platform keeps the reply in the thread: read it back later
            log.error(
                "could not store a reply in thread %s (%r); it is read back before the reveal", thread_id, exc
            )
            self._unstored.add((channel, thread_id))
            return False
        if stored is None:
            return False
        self.metrics.replied(channel.platform, stored.on_time)
        log.info(
            "reply by %s to post %s (%s)",
            user.id,
            stored.post_id,
            "on time" if stored.on_time else "late",
            extra={"subscription": stored.subscription_id, "channel": channel},
        )
        return True

    # ------------------------------------------------------------ scheduled work

    async def run_post(self, subscription_id: int) -> None:
        """Wake-up for a subscription: post what is due, record what was missed, re-arm."""
        async with self.lock(subscription_id):
            subscription = await self.store.subscription(subscription_id)
            if subscription is None or subscription.status is not SubscriptionStatus.ACTIVE:
                return
            if not self.owns(subscription.channel):
                return  # another process's (another shard's): no post, no skip row, no wake-up
            now = self.clock.now()
            for post in await self._claimed(subscription_id):
                await self._deliver(subscription, post, resend=True)
            await self._catch_up(subscription, now)
            # a platform failure may have paused it meanwhile
            subscription = await self.store.subscription(subscription_id)
            if subscription is not None and subscription.status is SubscriptionStatus.ACTIVE:
                await self.arm_next_post(subscription, now)
        if subscription is not None and subscription.status is SubscriptionStatus.ACTIVE:
            await self.review.send_reminders(subscription)  # the post wake-up is the reminder's too

    async def _claimed(self, subscription_id: int) -> list[Post]:
        return [
            p
            for p in await self.store.posts_with_status(PostStatus.CLAIMED)
            if p.subscription_id == subscription_id
        ]

    async def _catch_up(self, subscription: Subscription, now: datetime) -> None:
        """Every occurrence since the last one handled: the newest within the grace is posted,
        the rest are recorded as skipped."""
        last = await self.store.last_post(subscription.id)
        since = _handled_until(subscription, now, last.scheduled_at if last else None)
        due: list[tuple[date, datetime]] = []
        for local_date, at in occurrences(subscription.settings.schedule, since):
            if at > now:
                break
            due.append((local_date, at))
        for index, (local_date, at) in enumerate(due):
            newest = index == len(due) - 1
            if newest and now - at <= self.settings.misfire_grace:
                await self.post_day(subscription, local_date, at, locked=True)
            elif await self.store.record_skip(subscription.id, local_date, at, self._missed_because(at)):
                log.warning(
                    "skipped %s for subscription %s: missed by %s",
                    local_date,
                    subscription.id,
                    now - at,
                    extra=subscription.log_extra,
                )

    def _missed_because(self, at: datetime) -> str:
        """Why a post due at `at` was missed by more than misfire_grace. The timer re-reads the
        wall clock every minute, so a process that was running then lost the time to a suspend
        of the host (or a step of its clock), which the monotonic clock it waits on did not see."""
        if self._running_since is not None and at >= self._running_since:
            return "the host was suspended or its clock jumped while the bot ran"
        return "the bot was not running"

    async def arm_next_post(self, subscription: Subscription, now: datetime) -> datetime:
        """Wake at the next occurrence, or sooner to retry a post that could not be sent."""
        _, at = next_occurrence(subscription.settings.schedule, now)
        if await self._claimed(subscription.id):
            at = min(at, now + RETRY_AFTER)
        self.timer.wake_post(subscription.id, at)
        return at

    async def post_day(
        self,
        subscription: Subscription,
        local_date: date,
        scheduled_at: datetime,
        *,
        locked: bool = False,
    ) -> Post | None:
        if not locked:
            async with self.lock(subscription.id):
                return await self.post_day(subscription, local_date, scheduled_at, locked=True)
        existing = await self.store.post_on(subscription.id, local_date)
        if existing is not None:
            if existing.status is PostStatus.CLAIMED:
                return await self._deliver(subscription, existing, resend=True)
            return existing
        previous = await self.store.open_post(subscription.id)
        if previous is not None:  # its last chance: the new day does not wait for it
            await self.reveal(subscription, previous, last_try=True)
        chosen = subscription.next_question
        question = (self.bank.get_for(chosen, subscription.channel) if chosen else None) or choose_next(
            self.deck(subscription),
            await self.store.question_history(subscription.id),
            subscription.settings.order,
            self.rng,
        )
        post = await self.store.claim_post(
            subscription.id, local_date, question.id, scheduled_at, secrets.token_hex(10), chosen
        )
        if post is None:  # someone else claimed the date in the meantime
            return await self.store.post_on(subscription.id, local_date)
        return await self._deliver(subscription, post)

    async def _deliver(self, subscription: Subscription, post: Post, *, resend: bool = False) -> Post | None:
        """Send a claimed post. Idempotent per nonce, so a retry after a crash is safe."""
        now = self.clock.now()
        if now - post.scheduled_at > self.settings.misfire_grace:
            await self.store.mark_skipped(post.id, "could not be sent within misfire_grace")
            return None
        question = self.bank.get(post.question_id)
        if question is None:
            await self.store.mark_skipped(post.id, f"question {post.question_id} is no longer loaded")
            return None
        reveal_at = self._reveal_time(subscription, now)
        size = self.level_size(question)
        try:
            message = (
                blind.blind_post(question, size, reveal_at, post.id)
                if subscription.settings.blind
                else say.question_post(question, size, reveal_at)
            )
            ref = await self.platform_of(subscription).post_question(
                subscription.channel, message, post.nonce, resend=resend
            )
        except Exception as exc:
            failure = as_platform_error(exc)
            # "post <id>": how question_history tells a given-up question from a skipped day
            if await self.platform_failed(subscription, failure, f"post {post.id}"):
                await self.store.mark_skipped(post.id, failure.reason)
            return None  # still claimed: the next wake-up retries it
        await self.store.mark_posted(post.id, ref, now, reveal_at)
        self.timer.wake_reveal(post.id, reveal_at)
        self.metrics.posted(subscription.channel.platform)
        log.info(
            "posted %s to %s (post %s, reveal %s)",
            question.id,
            subscription.channel,
            post.id,
            reveal_at.isoformat(),
            extra=subscription.log_extra,
        )
        return await self.store.post(post.id)

    def _reveal_time(self, subscription: Subscription, posted_at: datetime) -> datetime:
        after = subscription.settings.reveal.after
        if after is not None:
            return posted_at + after
        _, next_at = next_occurrence(subscription.settings.schedule, posted_at)
        return max(posted_at, next_at - REVEAL_BEFORE_NEXT)

    async def run_reveal(self, post_id: int) -> None:
        post = await self.store.post(post_id)
        if post is None:
            return
        subscription = await self.store.subscription(post.subscription_id)
        if subscription is None or not self.owns(subscription.channel):
            return
        async with self.lock(subscription.id):
            post = await self.store.post(post_id)
            if post is not None and post.status is PostStatus.POSTED:
                await self.reveal(subscription, post)

    async def reveal(self, subscription: Subscription, post: Post, *, last_try: bool = False) -> None:
        """Show the model answer in the thread, mark the post revealed, update streaks.

        The instant the reveal began is stored first: a reveal interrupted by a crash or a
        platform error is resent with the same nonce (not posted twice) and counts the same
        replies as on time. A reveal given up (`last_try`: at once) still closes the post and
        writes the streaks, so the day's answers count."""
        since = self._watching_since.get(subscription.channel.platform)
        unstored = (subscription.channel, post.thread_id or "")
        if unstored in self._unstored:
            self._unstored.discard(unstored)
            self._read_back.discard(post.id)
            await self._read_thread(subscription, post)  # replies the database could not take
        elif since is not None and post.posted_at is not None and post.posted_at < since:
            await self._read_thread(subscription, post)  # replies written while we were away
        now = self.clock.now()
        resend = post.reveal_started_at is not None
        cutoff = await self.store.mark_revealing(post.id, now)
        question = self.bank.get(post.question_id)
        replies = await self.store.replies(post.id)
        answered = [user for user, at, on_time in replies if on_time and at < cutoff]
        late = [user for user, at, on_time in replies if not (on_time and at < cutoff)]
        try:
            if question is not None:
                await self._show_reveal(subscription, post, question, answered, late, resend=resend)
        except Exception as exc:
            failure = as_platform_error(exc)
            item = f"reveal of post {post.id}"
            if not await self.platform_failed(subscription, failure, item, last_try=last_try):
                self.timer.wake_reveal(post.id, now + _retry_delay(failure))
                return
        state, names = await self.store.streak_state(subscription.id)
        names.update({user.id: user.name for user in answered})
        team, _ = await self.store.team_streak(subscription.id)
        away = await self.store.away_on(subscription.id, post.local_date)  # their misses change nothing
        await self.store.close_post(
            post.id,
            cutoff,
            advance(state, [user.id for user in answered], self.settings.freezes, away),
            names,
            advance_team(team, len(answered), self.settings.team_min_answers),
        )
        self.metrics.revealed(subscription.channel.platform)
        log.info(
            "revealed post %s in %s: %d answered in time",
            post.id,
            subscription.channel,
            len(answered),
            extra=subscription.log_extra,
        )

    async def _show_reveal(
        self,
        subscription: Subscription,
        post: Post,
        question: Question,
        answered: list[User],
        late: list[User],
        *,
        resend: bool,
    ) -> None:
        """The blind answers and the model answer in the thread, then the post marked revealed.
        A question message a moderator deleted does not stop the reveal: the answer stays in its
        thread, which outlives the message on Discord (and on Slack once it has replies), or
        else goes to the channel as a new message saying the question was removed."""
        assert post.thread_id is not None and post.message_id is not None
        platform = self.platform_of(subscription)
        reveal = say.reveal(question, answered, late, selfcheck.buttons(post.id, len(question.key_points)))
        nonce = post.nonce + "r"
        try:
            await self.blind.publish(platform, subscription, post, question, resend=resend)
            await platform.reply_in_thread(
                subscription.channel, post.thread_id, reveal, nonce=nonce, resend=resend
            )
            await platform.edit_post(
                subscription.channel,
                post.message_id,
                say.revealed_post(question, self.level_size(question), len(answered)),
            )
            return
        except PlatformError as exc:
            if exc.about is not About.GONE:
                raise
            log.warning(
                "the question of post %s was deleted (%s)", post.id, exc.reason, extra=subscription.log_extra
            )
        try:  # is its thread still there, holding the reveal?
            await platform.thread_replies(subscription.channel, post.thread_id)
        except PlatformError as exc:
            if exc.about is not About.GONE:
                raise
            removed = dataclasses.replace(reveal, body=f"{say.QUESTION_REMOVED}\n\n{reveal.body}")
            await platform.post_question(subscription.channel, removed, nonce, resend=resend)

    async def platform_failed(
        self,
        subscription: Subscription,
        exc: PlatformError,
        item: str,
        *,
        last_try: bool = False,
        pauses: bool = True,
    ) -> bool:
        """Log, count and act on a failed item; True if it is given up (the channel moves on).
        `pauses`: a failure about the channel pauses the subscription (else that item is given up:
        a recap the channel refuses is not worth stopping its questions)."""
        self.metrics.platform_failed(subscription.channel.platform, exc.final)
        extra = subscription.log_extra
        if exc.about is About.CHANNEL and pauses:
            log.error("%s in %s failed, pausing: %s", item, subscription.channel, exc.reason, extra=extra)
            await self.store.set_status(
                subscription.id, SubscriptionStatus.PAUSED, exc.reason, self.clock.now()
            )
            self.timer.cancel_post(subscription.id)
            return True
        if exc.final:
            tries = 1 if last_try or exc.about is About.CHANNEL else MAX_TRIES
            if await self.store.record_failure(subscription.id, item, exc.reason, self.clock.now(), tries):
                log.error("%s in %s given up: %s", item, subscription.channel, exc.reason, extra=extra)
                return True
        # a refused token is logged once by the platform, not once per item waiting for it
        level = logging.DEBUG if exc.about is About.AUTH else logging.WARNING
        log.log(level, "%s in %s failed, will retry: %s", item, subscription.channel, exc.reason, extra=extra)
        return False

    def platform_of(self, subscription: Subscription) -> Platform:
        platform = self.platforms.get(subscription.channel.platform)
        if platform is None:
            raise PlatformError(f"{subscription.channel.platform} is not connected")
        return platform

    def deck(self, subscription: Subscription) -> tuple[Question, ...]:
        """The questions a subscription draws from: its packs, at its levels."""
        settings = subscription.settings
        return self.bank.channel_deck(subscription.channel, settings.levels, settings.packs)

    def level_size(self, question: Question) -> int:
        """How many questions share this one's pack and level (a post says "3 of 40")."""
        return sum(1 for q in self.bank.questions if q.pack == question.pack and q.level == question.level)


def _handled_until(subscription: Subscription, now: datetime, last_scheduled: datetime | None) -> datetime:
    """Occurrences after this instant are still to be posted or skipped: the subscription's
    start, the catch-up horizon or the newest row's due time, whichever is latest."""
    since = max(subscription.schedule_from, now - CATCH_UP_LIMIT)
    return since if last_scheduled is None else max(since, last_scheduled)


def _command_name(command: Command) -> str:
    """A metric label: one of a few fixed names, never free text."""
    if isinstance(command, Practice):
        return f"practice {command.action}"
    if isinstance(command, ShowBookmarks | Review):
        return "bookmarks" if isinstance(command, ShowBookmarks) else "review"
    return "question" if isinstance(command, AskQuestion) else "streaks"


def _retry_delay(exc: PlatformError) -> timedelta:
    return max(RETRY_AFTER, timedelta(seconds=exc.retry_after or 0))
