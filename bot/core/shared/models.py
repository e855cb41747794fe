"""Values the core passes around. Plain frozen dataclasses: ids, never SDK objects."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")


class Order(enum.StrEnum):
    PROGRESSIVE = "progressive"
    SHUFFLED = "shuffled"


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    UNSUBSCRIBED = "unsubscribed"


class PostStatus(enum.StrEnum):
    CLAIMED = "claimed"  # row written, platform call not yet confirmed
    POSTED = "posted"  # on the platform, answers open
    REVEALED = "revealed"  # model answer shown, the post is closed
    SKIPPED = "skipped"  # the day passed without a post (bot down, channel gone)


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Where a conversation happens, as ids only: the adapters translate both ways."""

    platform: str
    workspace_id: str
    channel_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace_id}/{self.channel_id}"


@dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    pack: str
    level: str
    number: int
    title: str
    summary: str
    key_points: tuple[str, ...]
    follow_ups: tuple[str, ...]
    references: tuple[str, ...]
    tags: tuple[str, ...]
    body: str
    source: Path = field(compare=False)
    suggested_by: str = ""  # the person whose suggestion this was (bot/core/suggest), shown when posted
    pack_name: str = field(default="", compare=False)  # its pack's name (pack.toml), shown on posts


@dataclass(frozen=True, slots=True)
class Reveal:
    """When the model answer appears: a fixed delay after posting, or just before the next post."""

    after: timedelta | None  # None means "next"

    @property
    def is_next(self) -> bool:
        return self.after is None


@dataclass(frozen=True, slots=True)
class Schedule:
    """A local post time in an IANA zone on some weekdays (0 = Monday), except on holidays
    (local dates in that zone, skipped like days not in `days`)."""

    at: time
    timezone: str
    days: frozenset[int]
    holidays: frozenset[date] = frozenset()


@dataclass(frozen=True, slots=True)
class SubscriptionSettings:
    schedule: Schedule
    reveal: Reveal
    levels: tuple[str, ...]
    order: Order
    blind: bool = False  # answers through a private form, published together at the reveal
    packs: tuple[str, ...] = ()  # the pack ids it draws from; (): the configured packs and its own


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    channel: ChannelRef
    settings: SubscriptionSettings
    status: SubscriptionStatus
    status_reason: str
    # occurrences strictly after this instant are owed a post (or a skip record)
    schedule_from: datetime
    created_at: datetime
    season: int = 1  # the board counts this season's posts; 1 until an admin starts another
    season_started_at: datetime | None = None  # None: season 1, since created_at
    next_question: str | None = None  # an admin's choice for the next post (/practice next)

    @property
    def log_extra(self) -> dict[str, object]:
        """Log context: bot/logs.py writes these as the line's subscription, channel and platform."""
        return {"subscription": self.id, "channel": self.channel}


@dataclass(frozen=True, slots=True)
class Failure:
    """An item (`post 12`, `reveal of post 12`) that failed `tries` times; the last reason."""

    item: str
    tries: int
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Post:
    id: int
    subscription_id: int
    local_date: date
    question_id: str
    status: PostStatus
    nonce: str
    scheduled_at: datetime
    posted_at: datetime | None
    reveal_at: datetime | None
    revealed_at: datetime | None
    message_id: str | None
    thread_id: str | None
    note: str
    reveal_started_at: datetime | None = None
    season: int = 1  # the season the post counts in (the one in effect when it closed)


@dataclass(frozen=True, slots=True)
class PostedRef:
    """What a platform returns for a daily post: the message and the thread opened from it."""

    message_id: str
    thread_id: str


@dataclass(frozen=True, slots=True)
class StoredReply:
    """A reply stored as an answer to a daily post."""

    post_id: int
    subscription_id: int
    on_time: bool


@dataclass(frozen=True, slots=True)
class Accuracy:
    """A person's self-checks in a channel: key points covered of those asked, over `checks` posts."""

    covered: int
    total: int
    checks: int

    @property
    def percent(self) -> int:
        """Covered over total, rounded down: 100 only when every key point was covered."""
        return 100 * self.covered // self.total if self.total > 0 else 0


@dataclass(frozen=True, slots=True)
class StreakRow:
    user: User
    current: int
    best: int
    total: int
    freezes: int = 0  # held, ready to save the streak from a miss
    accuracy: Accuracy | None = None  # None until they mark a self-check (bot/core/selfcheck/rules.py)
    best_ever: int = 0  # the longest run in any season of this channel; below `best` (0): `best`


@dataclass(frozen=True, slots=True)
class TeamStreak:
    current: int
    best: int


@dataclass(frozen=True, slots=True)
class Board:
    rows: tuple[StreakRow, ...]  # best first; maybe only the first few (see `people`)
    team: TeamStreak
    closed_posts: int  # in this season
    season: int = 1
    season_since: date | None = None  # local date the season started
    team_best_ever: int = 0
    # best run of earlier seasons, by user id: /streaks me for someone not on this season's board
    past_best: Mapping[str, int] = field(default_factory=dict)
    people: int | None = None  # on the whole board; None: `rows` are all of them
    private: int = 0  # people who keep their row off the board (/streaks hide): counted, never named
    # self-checks across seasons, by user id: /streaks me for someone with no row this season
    accuracy: Mapping[str, Accuracy] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who typed a command, where, and whether the platform says they may administer it."""

    channel: ChannelRef
    user: User
    is_admin: bool
