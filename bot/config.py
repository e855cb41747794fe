"""Configuration: TOML read with tomllib into frozen dataclasses.

Every error names the file, the line (where the file has one for it), the option and what is
allowed. Unknown keys are errors. Secrets never live in the file, only the names of the
environment variables that hold them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bot.core.blind.rules import parse_answers
from bot.core.commands.grammar import parse_levels, parse_order
from bot.core.daily.questions import resolve_pack
from bot.core.daily.schedule import (
    check_reveal_fits,
    format_duration,
    parse_days,
    parse_duration,
    parse_reveal,
    parse_time,
    parse_timezone,
)
from bot.core.daily.streaks import DEFAULT_FREEZES
from bot.core.ownership.partitions import Split
from bot.core.recap.rules import DEFAULT_RECAP, RecapTime, parse_recap_text
from bot.core.shared.errors import UserError, shown
from bot.core.shared.models import LEVELS, Order, Reveal, Schedule, SubscriptionSettings
from bot.core.shared.typos import closest
from bot.core.suggest.rules import DEFAULT_CAP
from bot.storage.postgres_connect import CONNECT_TIMEOUT, DEFAULT_POOL_SIZE, PASSWORD_ENV

DEFAULT_CONFIG_NAME = "practicebot.toml"
DEFAULT_DATABASE = "practicebot.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
T = TypeVar("T")
MIN_LEASE_TTL = timedelta(seconds=3)  # renewed every second at least: shorter would be mostly renewing
MAX_LEASE_TTL = timedelta(minutes=10)
SECTIONS = ("defaults", "discord", "slack", "server", "lease", "postgresql")


class ConfigError(UserError):
    pass


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token_env: str = "DISCORD_TOKEN"
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"
    guild_ids: tuple[int, ...] = ()
    # several processes, each connected as some of the bot's shards (None: one process, all shards)
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    @property
    def split(self) -> Split:
        """How the guilds are divided among processes (shards), and the shards this one serves."""
        return Split(self.shard_count, self.shard_ids)


@dataclass(frozen=True, slots=True)
class SlackConfig:
    bot_token_env: str = "SLACK_BOT_TOKEN"
    app_token_env: str = "SLACK_APP_TOKEN"
    signing_secret_env: str = "SLACK_SIGNING_SECRET"
    mode: str = "socket"  # socket | http
    api_base_url: str = "https://slack.com/api/"
    admins: tuple[str, ...] = ()
    # OAuth for several workspaces (on when both variables are set; HTTP mode only)
    client_id_env: str = "SLACK_CLIENT_ID"
    client_secret_env: str = "SLACK_CLIENT_SECRET"
    authorize_url: str = "https://slack.com/oauth/v2/authorize"
    # distributed outside the Marketplace: conversations.history/replies about once a minute,
    # 15 messages a call (Slack's 2025 rule). None: distributed exactly when OAuth is on
    distributed: bool | None = None
    # several processes, each scheduling the workspaces of some partitions (None: one process, all)
    partition_count: int | None = None
    partition_ids: tuple[int, ...] | None = None

    @property
    def split(self) -> Split:
        """How the workspaces are divided among processes, and the parts this one serves."""
        return Split(self.partition_count, self.partition_ids)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """The HTTP server: Slack's HTTP mode, and /healthz and /metrics when `monitoring` is on."""

    host: str = "127.0.0.1"  # this host only; PRACTICEBOT_HOST=0.0.0.0 in a container or behind a proxy
    port: int = 3000
    monitoring: bool = False
    metrics_token_env: str = "PRACTICEBOT_METRICS_TOKEN"  # when that variable is set, /metrics asks for it


@dataclass(frozen=True, slots=True)
class LeaseConfig:
    """How long a process's hold on its partitions lasts unless renewed (renewed every third)."""

    ttl: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class PostgresConfig:
    """A `database = "postgresql://user@host:port/db"`: the password only from the environment,
    TLS and other options in the URL (`?sslmode=verify-full`)."""

    password_env: str = PASSWORD_ENV
    pool_size: int = DEFAULT_POOL_SIZE  # connections this process keeps open at most
    connect_timeout: timedelta = timedelta(seconds=CONNECT_TIMEOUT)


@dataclass(frozen=True, slots=True)
class Config:
    source: Path | None = None
    database: Path = Path(DEFAULT_DATABASE)
    database_url: str | None = None  # postgresql://...: the database is a server, not the file above
    packs: tuple[Path, ...] = ()
    log_level: str | None = None  # None: INFO with a platform, WARNING in the terminal channel
    log_format: str = "text"  # text | json
    misfire_grace: timedelta = timedelta(hours=1)
    team_min_answers: int = 1
    suggestion_cap: int = DEFAULT_CAP  # suggestions one person may have waiting for review in a channel
    freeze_every: int = DEFAULT_FREEZES.every  # answered posts per streak freeze earned; 0: none
    freeze_cap: int = DEFAULT_FREEZES.cap  # most freezes a person holds at once
    command_cooldown: timedelta = timedelta(seconds=3)
    recap: RecapTime | None = DEFAULT_RECAP  # [defaults] recap: the weekly recap's day and time; None: off
    defaults: SubscriptionSettings = field(
        default_factory=lambda: SubscriptionSettings(
            schedule=Schedule(at=time(9, 0), timezone="UTC", days=frozenset(range(5))),
            reveal=Reveal(after=timedelta(hours=8)),
            levels=LEVELS,
            order=Order.PROGRESSIVE,
        )
    )
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    slack: SlackConfig = field(default_factory=SlackConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    lease: LeaseConfig = field(default_factory=LeaseConfig)
    postgresql: PostgresConfig = field(default_factory=PostgresConfig)

    def with_database(self, where: str | Path) -> Config:
        """The config with another database: a SQLite file, or a postgresql:// URL."""
        text = str(where)
        if _is_url(text):
            return replace(self, database_url=_database_url(text))
        return replace(self, database=Path(text), database_url=None)

    @property
    def database_shown(self) -> str:
        """Where the database is, as it may be printed (a URL never holds a password here)."""
        return self.database_url or str(self.database)

    @property
    def splits(self) -> dict[str, Split]:
        """How each platform's work is divided among processes, and the parts this one serves."""
        return {"discord": self.discord.split, "slack": self.slack.split}


class _Reader:
    """Walks the parsed TOML, turning every problem into a ConfigError with a location."""

    def __init__(self, path: Path | None, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def where(self, section: str, key: str | None) -> str:
        name = str(self.path) if self.path else "<config>"
        line = self._line(section, key)
        option = f"[{section}] {key}" if section and key else (key or f"[{section}]")
        return f"{name}:{line}: {option}" if line else f"{name}: {option}"

    def _line(self, section: str, key: str | None) -> int | None:
        current = ""
        for number, text in enumerate(self.lines, start=1):
            header = re.match(r"\s*\[([^\]]+)\]\s*(#.*)?$", text)
            if header:
                current = header[1].strip()
                if key is None and current == section:
                    return number
            elif key is not None and current == section and re.match(rf"\s*{re.escape(key)}\s*=", text):
                return number
        return None

    def fail(self, section: str, key: str | None, message: str) -> ConfigError:
        return ConfigError(f"{self.where(section, key)}: {message}")

    def table(self, data: Mapping[str, Any], section: str, allowed: set[str]) -> Mapping[str, Any]:
        for key in sorted(set(data) - allowed):
            near = closest(key, allowed)
            if isinstance(data[key], dict) and not section:  # a [section] of its own
                hint = f"did you mean [{near}]?" if near else f"use {', '.join(f'[{k}]' for k in SECTIONS)}"
                raise self.fail(key, None, f"unknown section - {hint}")
            hint = f" - did you mean {near}?" if near else f"; allowed here: {', '.join(sorted(allowed))}"
            raise self.fail(section, key, f"unknown option{hint}")
        return data

    def value(
        self,
        data: Mapping[str, Any],
        section: str,
        key: str,
        kind: type | tuple[type, ...],
        convert: Callable[[Any], T],
        default: T,
    ) -> T:
        if key not in data:
            return default
        raw = data[key]
        if not isinstance(raw, kind) or (isinstance(raw, bool) and kind is not bool):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            wanted = _toml_type(names)
            article = "an" if wanted[0] in "aeiou" else "a"
            raise self.fail(section, key, f"must be {article} {wanted}, not {raw!r}")
        try:
            return convert(raw)
        except (UserError, ValueError) as exc:
            raise self.fail(section, key, str(exc)) from None


def _toml_type(python_names: str) -> str:
    return (
        python_names.replace("str", "string")
        .replace("int", "integer")
        .replace("list", "array")
        .replace("bool", "boolean (true or false)")
    )


def _env_name(text: str) -> str:
    if not _ENV_NAME.fullmatch(text):
        raise ValueError(f"'{shown(text)}' is not an environment variable name (A-Z, 0-9, _)")
    return text


def _url(text: str) -> str:
    if not re.match(r"(https?|wss?)://", text):
        raise ValueError(f"'{shown(text)}' is not an http(s):// or ws(s):// URL")
    return text


def _choice(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def check(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"'{shown(text)}' is not allowed; use one of {', '.join(allowed)}")
        return text

    return check


def _cooldown(text: str) -> timedelta:
    if text.strip() in ("0", "0s", "off"):
        return timedelta(0)
    cooldown = parse_duration(text)
    if cooldown > timedelta(hours=1):
        raise ValueError(f"'{shown(text)}' is over an hour: a cooldown is seconds, like 3s")
    return cooldown


def _lease_ttl(text: str) -> timedelta:
    ttl = parse_duration(text)
    if not MIN_LEASE_TTL <= ttl <= MAX_LEASE_TTL:
        raise ValueError(
            f"'{shown(text)}' is out of range: use {format_duration(MIN_LEASE_TTL)} to "
            f"{format_duration(MAX_LEASE_TTL)} (a crashed process's work waits this long for a new owner)"
        )
    return ttl


def _is_url(text: str) -> bool:
    return "://" in text


def _database_url(text: str) -> str:
    """A PostgreSQL URL, refused with what to write when it is another kind or holds a password
    (which belongs in the environment, like the tokens: `[postgresql] password_env`)."""
    parts = urlsplit(text)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(
            f"'{shown(text)}' is a {parts.scheme}:// URL; the database is a SQLite file (a path) or a "
            "postgresql://user@host:port/database URL"
        )
    if parts.password is not None:
        raise ValueError(
            "the URL holds a password: remove it and put it in the variable [postgresql] password_env "
            "names (PRACTICEBOT_DATABASE_PASSWORD by default)"
        )
    if not parts.hostname or not parts.path.strip("/"):
        raise ValueError(
            f"'{shown(text)}' names no host or no database: postgresql://user@host:5432/practicebot"
        )
    return text


def _pool_size(number: int) -> int:
    if not 1 <= number <= 100:
        raise ValueError(f"{number} is out of range: use 1 to 100 connections")
    return number


def _connect_timeout(text: str) -> timedelta:
    timeout = parse_duration(text)
    if not timedelta(seconds=1) <= timeout <= timedelta(minutes=5):
        raise ValueError(f"'{shown(text)}' is out of range: use 1s to 5m")
    return timeout


def _positive(number: int) -> int:
    if number < 1:
        raise ValueError(f"{number} is too small; use 1 or more")
    return number


def _not_negative(number: int) -> int:
    if number < 0:
        raise ValueError(f"{number} is negative; use 0 or more")
    return number


def load_config(path: Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """Read `path` (None: built-in defaults), then apply PRACTICEBOT_* environment overrides."""
    env = os.environ if environ is None else environ
    text = ""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot be read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        raise ConfigError(f"{path}{':' + line[1] if line else ''}: not valid TOML: {exc}") from None
    config = _parse(_Reader(path, text), data, path.parent.resolve() if path else Path.cwd())
    overrides: dict[str, Any] = {}
    if env.get("PRACTICEBOT_DATABASE"):
        try:
            config = config.with_database(env["PRACTICEBOT_DATABASE"])
        except ValueError as exc:
            raise ConfigError(f"PRACTICEBOT_DATABASE: {exc}") from None
    if env.get("PRACTICEBOT_LOG_LEVEL"):
        level = env["PRACTICEBOT_LOG_LEVEL"].upper()
        if level not in LOG_LEVELS:
            raise ConfigError(f"PRACTICEBOT_LOG_LEVEL: '{level}' is not one of {', '.join(LOG_LEVELS)}")
        overrides["log_level"] = level
    if env.get("PRACTICEBOT_LOG_FORMAT"):
        log_format = env["PRACTICEBOT_LOG_FORMAT"].lower()
        if log_format not in LOG_FORMATS:
            raise ConfigError(
                f"PRACTICEBOT_LOG_FORMAT: '{log_format}' is not one of {', '.join(LOG_FORMATS)}"
            )
        overrides["log_format"] = log_format
    if env.get("PRACTICEBOT_MONITORING"):
        switch = env["PRACTICEBOT_MONITORING"].lower()
        if switch not in _TRUE + _FALSE:
            raise ConfigError(f"PRACTICEBOT_MONITORING: '{switch}' is not one of {', '.join(_TRUE + _FALSE)}")
        overrides["server"] = replace(config.server, monitoring=switch in _TRUE)
    if env.get("PRACTICEBOT_HOST"):
        try:
            host = _host(env["PRACTICEBOT_HOST"])
        except ValueError as exc:
            raise ConfigError(f"PRACTICEBOT_HOST: {exc}") from None
        overrides["server"] = replace(overrides.get("server", config.server), host=host)
    return replace(config, **overrides)


def _parse(r: _Reader, data: Mapping[str, Any], base: Path) -> Config:
    top = r.table(data, "", {"database", "packs", "log_level", "misfire_grace", "team_min_answers",
                             "freeze_every", "freeze_cap", "command_cooldown", "log_format", "defaults",
                             "suggestion_cap", "discord", "slack", "server", "lease",
                             "postgresql"})  # fmt: skip
    for name in SECTIONS:
        if name in top and not isinstance(top[name], dict):
            raise r.fail("", name, "must be a table: write it as a [section]")
    default = Config()
    database_url = r.value(top, "", "database", str, lambda s: _database_url(s) if _is_url(s) else None, None)
    database = (
        default.database
        if database_url
        else r.value(top, "", "database", str, lambda s: base / Path(s).expanduser(), default.database)
    )
    packs = r.value(
        top, "", "packs", list,
        lambda items: tuple(resolve_pack(_string_item(i), base) for i in items),
        default.packs or (resolve_pack("websockets-realtime"),),
    )  # fmt: skip
    if not packs:
        raise r.fail("", "packs", 'lists no pack; name at least one, like "websockets-realtime"')
    for pack in packs:
        if not pack.is_dir():
            raise r.fail("", "packs", f"{pack} is not a folder with a pack.toml")
    log_level = r.value(top, "", "log_level", str, lambda s: _choice(LOG_LEVELS)(s.upper()), None)
    log_format = r.value(top, "", "log_format", str, _choice(LOG_FORMATS), default.log_format)
    grace = r.value(top, "", "misfire_grace", str, parse_duration, default.misfire_grace)
    team_min = r.value(top, "", "team_min_answers", int, _positive, 1)
    suggestion_cap = r.value(top, "", "suggestion_cap", int, _positive, default.suggestion_cap)
    freeze_every = r.value(top, "", "freeze_every", int, _not_negative, default.freeze_every)
    freeze_cap = r.value(top, "", "freeze_cap", int, _not_negative, default.freeze_cap)
    cooldown = r.value(top, "", "command_cooldown", str, _cooldown, default.command_cooldown)

    d = r.table(
        top.get("defaults", {}),
        "defaults",
        {"time", "timezone", "days", "reveal", "levels", "order", "recap", "answers"},
    )
    recap = r.value(d, "defaults", "recap", str, parse_recap_text, default.recap)
    base_defaults = default.defaults
    defaults = SubscriptionSettings(
        schedule=Schedule(
            at=r.value(d, "defaults", "time", str, parse_time, base_defaults.schedule.at),
            timezone=r.value(d, "defaults", "timezone", str, parse_timezone, "UTC"),
            days=r.value(d, "defaults", "days", str, parse_days, base_defaults.schedule.days),
        ),
        reveal=r.value(d, "defaults", "reveal", str, parse_reveal, base_defaults.reveal),
        levels=r.value(d, "defaults", "levels", str, parse_levels, LEVELS),
        order=r.value(d, "defaults", "order", str, parse_order, Order.PROGRESSIVE),
        blind=r.value(d, "defaults", "answers", str, parse_answers, base_defaults.blind),
    )

    try:  # the same rule as /practice subscribe: a delay past the next post would mean `next`
        check_reveal_fits(defaults.reveal, defaults.schedule.days)
    except UserError as exc:
        raise r.fail("defaults", "reveal", exc.message) from None

    dc = r.table(top.get("discord", {}), "discord", {"token_env", "api_base_url", "gateway_url", "guild_ids",
                                                     "shard_count", "shard_ids"})  # fmt: skip
    discord_default = DiscordConfig()
    shard_count = r.value(dc, "discord", "shard_count", int, _positive, None)
    shard_ids = r.value(dc, "discord", "shard_ids", list, _member_ids(shard_count, SHARDS), None)
    discord = DiscordConfig(
        token_env=r.value(dc, "discord", "token_env", str, _env_name, discord_default.token_env),
        api_base_url=r.value(dc, "discord", "api_base_url", str, _url, discord_default.api_base_url),
        gateway_url=r.value(dc, "discord", "gateway_url", str, _url, discord_default.gateway_url),
        guild_ids=r.value(dc, "discord", "guild_ids", list, _snowflakes, ()),
        shard_count=shard_count,
        shard_ids=shard_ids,
    )

    sc = r.table(top.get("slack", {}), "slack", {"bot_token_env", "app_token_env", "signing_secret_env",
                                                 "mode", "api_base_url", "admins", "client_id_env",
                                                 "client_secret_env", "authorize_url", "distributed",
                                                 "partition_count", "partition_ids"})  # fmt: skip
    slack_default = SlackConfig()
    partition_count = r.value(sc, "slack", "partition_count", int, _positive, None)
    partition_ids = r.value(
        sc, "slack", "partition_ids", list, _member_ids(partition_count, PARTITIONS), None
    )
    slack = SlackConfig(
        bot_token_env=r.value(sc, "slack", "bot_token_env", str, _env_name, slack_default.bot_token_env),
        app_token_env=r.value(sc, "slack", "app_token_env", str, _env_name, slack_default.app_token_env),
        signing_secret_env=r.value(
            sc, "slack", "signing_secret_env", str, _env_name, slack_default.signing_secret_env
        ),
        mode=r.value(sc, "slack", "mode", str, _choice(("socket", "http")), "socket"),
        api_base_url=r.value(sc, "slack", "api_base_url", str, _url, slack_default.api_base_url),
        admins=r.value(sc, "slack", "admins", list, lambda items: tuple(_string_item(i) for i in items), ()),
        client_id_env=r.value(sc, "slack", "client_id_env", str, _env_name, slack_default.client_id_env),
        client_secret_env=r.value(
            sc, "slack", "client_secret_env", str, _env_name, slack_default.client_secret_env
        ),
        authorize_url=r.value(sc, "slack", "authorize_url", str, _url, slack_default.authorize_url),
        distributed=r.value(sc, "slack", "distributed", bool, bool, None),
        partition_count=partition_count,
        partition_ids=partition_ids,
    )
    sv = r.table(top.get("server", {}), "server", {"host", "port", "monitoring", "metrics_token_env"})
    server_default = ServerConfig()
    server = ServerConfig(
        host=r.value(sv, "server", "host", str, _host, server_default.host),
        port=r.value(sv, "server", "port", int, _port, server_default.port),
        monitoring=r.value(sv, "server", "monitoring", bool, bool, server_default.monitoring),
        metrics_token_env=r.value(
            sv, "server", "metrics_token_env", str, _env_name, server_default.metrics_token_env
        ),
    )
    pc = r.table(top.get("postgresql", {}), "postgresql", {"password_env", "pool_size", "connect_timeout"})
    pg_default = PostgresConfig()
    postgresql = PostgresConfig(
        password_env=r.value(pc, "postgresql", "password_env", str, _env_name, pg_default.password_env),
        pool_size=r.value(pc, "postgresql", "pool_size", int, _pool_size, pg_default.pool_size),
        connect_timeout=r.value(
            pc, "postgresql", "connect_timeout", str, _connect_timeout, pg_default.connect_timeout
        ),
    )
    lc = r.table(top.get("lease", {}), "lease", {"ttl"})
    lease = LeaseConfig(ttl=r.value(lc, "lease", "ttl", str, _lease_ttl, LeaseConfig().ttl))
    return Config(
        server=server,
        lease=lease,
        source=r.path,
        database=database,
        database_url=database_url,
        postgresql=postgresql,
        packs=packs,
        log_level=log_level,
        log_format=log_format,
        misfire_grace=grace,
        team_min_answers=team_min,
        suggestion_cap=suggestion_cap,
        freeze_every=freeze_every,
        freeze_cap=freeze_cap,
        command_cooldown=cooldown,
        recap=recap,
        defaults=defaults,
        discord=discord,
        slack=slack,
    )


def _host(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9.:-]+", text):
        raise ValueError(f"'{shown(text)}' is not a host name or address")
    return text


def _port(number: int) -> int:
    if not 1 <= number <= 65535:
        raise ValueError(f"{number} is not a port; use 1-65535")
    return number


def _string_item(item: object) -> str:
    if not isinstance(item, str) or not item.strip():
        raise ValueError(f"every item must be a non-empty string, not {item!r}")
    return item


def _snowflakes(items: list[object]) -> tuple[int, ...]:
    ids = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | str) or not str(item).isdigit():
            raise ValueError(f"every item must be a Discord id (digits), not {item!r}")
        ids.append(int(item))
    return tuple(ids)


@dataclass(frozen=True, slots=True)
class _Parts:
    """How a split of the work is worded in its errors: Discord's shards, Slack's partitions."""

    noun: str
    count: str  # the option giving how many there are
    section: str
    serving: str  # what a process does with the ones it lists


SHARDS = _Parts("shard", "shard_count", "discord", "connects as")
PARTITIONS = _Parts("partition", "partition_count", "slack", "schedules")


def _member_ids(count: int | None, parts: _Parts) -> Callable[[list[object]], tuple[int, ...]]:
    noun = parts.noun

    def check(items: list[object]) -> tuple[int, ...]:
        if count is None:
            raise ValueError(
                f"needs {parts.count} in [{parts.section}] too: how many {noun}s the bot has in all"
            )
        if not items:
            raise ValueError(f"lists no {noun}; name the ones this process {parts.serving}, like [0]")
        ids: list[int] = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int):
                raise ValueError(f"every item must be a {noun} number (an integer), not {item!r}")
            if not 0 <= item < count:
                wanted = f"use 0 to {count - 1}" if count > 1 else "use 0"
                raise ValueError(f"{noun} {item} does not exist with {parts.count} = {count}; {wanted}")
            if item in ids:
                raise ValueError(f"{noun} {item} is listed twice")
            ids.append(item)
        return tuple(ids)

    return check


def find_config(explicit: Path | None, environ: Mapping[str, str] | None = None) -> Path | None:
    """--config, else $PRACTICEBOT_CONFIG, else ./practicebot.toml if present, else none."""
    env = os.environ if environ is None else environ
    if explicit is not None:
        return explicit
    if env.get("PRACTICEBOT_CONFIG"):
        return Path(env["PRACTICEBOT_CONFIG"])
    local = Path(DEFAULT_CONFIG_NAME)
    return local if local.is_file() else None
