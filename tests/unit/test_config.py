from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import (
    Config,
    ConfigError,
    DiscordConfig,
    LeaseConfig,
    PostgresConfig,
    ServerConfig,
    SlackConfig,
    find_config,
    load_config,
)

ROOT = Path(__file__).resolve().parents[2]


def _load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Config:
    path = tmp_path / "practicebot.toml"
    path.write_text(text)
    return load_config(path, env or {})


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    return caught.value.message.replace(str(tmp_path / "practicebot.toml"), "F")


def test_the_example_config_documents_every_setting_with_its_default() -> None:
    example = load_config(ROOT / "config.example.toml", {})
    defaults = load_config(None, {})
    assert dataclasses.replace(
        example, source=None, database=defaults.database.absolute()
    ) == dataclasses.replace(defaults, database=defaults.database.absolute())
    text = (ROOT / "config.example.toml").read_text()
    for cls in (Config, DiscordConfig, SlackConfig, ServerConfig, LeaseConfig, PostgresConfig):
        for f in dataclasses.fields(cls):
            if f.name not in ("source", "defaults", "discord", "slack", "server", "lease", "postgresql"):
                if f.name == "database_url":  # the same `database =`, given a postgresql:// URL
                    assert 'database = "postgresql://' in text
                    continue
                assert f"{f.name} =" in text, f"{f.name} is not documented in config.example.toml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[defaults]\ntime = "09:00"\ntimezone = "Europe/Berln"\n',
            "F:3: [defaults] timezone: unknown time zone 'Europe/Berln' - did you mean Europe/Berlin?",
        ),
        (
            '[slack]\nmode = "websocket"\n',
            "F:2: [slack] mode: 'websocket' is not allowed; use one of socket, http",
        ),
        (
            '[slack]\ntoken = "xoxb-1"\n',
            "F:2: [slack] token: unknown option; allowed here: admins, api_base_url",
        ),
        ('datbase = "x.db"\n', "F:1: datbase: unknown option - did you mean database?"),
        ('colour = "red"\n', "F:1: colour: unknown option; allowed here: command_cooldown, database"),
        ('misfire_grase = "1h"\n', "F:1: misfire_grase: unknown option - did you mean misfire_grace?"),
        ('database = "x"\n\n[sevrer]\nport = 3\n', "F:3: [sevrer]: unknown section - did you mean [server]?"),
        (
            "[weather]\nsun = 1\n",
            "F:1: [weather]: unknown section - use [defaults], [discord], [slack], [server], [lease]",
        ),
        ("[server]\nprot = 3\n", "F:2: [server] prot: unknown option - did you mean port?"),
        (
            '[lease]\nttl = "1s"\n',
            "F:2: [lease] ttl: '1s' is out of range: use 3s to 10m (a crashed process's work",
        ),
        ("[lease]\nttl = 30\n", "F:2: [lease] ttl: must be a string, not 30"),
        ('[lease]\nttls = "30s"\n', "F:2: [lease] ttls: unknown option - did you mean ttl?"),
        ('[defaults]\nreveal = "30s"\n', "F:2: [defaults] reveal: reveal '30s' is not whole minutes"),
        ("team_min_answers = 0\n", "F:1: team_min_answers: 0 is too small; use 1 or more"),
        ('log_format = "text"\nsuggestion_cap = 0\n', "F:2: suggestion_cap: 0 is too small; use 1 or more"),
        ('team_min_answers = "2"\n', "F:1: team_min_answers: must be an integer, not '2'"),
        ("freeze_every = -1\n", "F:1: freeze_every: -1 is negative; use 0 or more"),
        ("freeze_cap = 1.5\n", "F:1: freeze_cap: must be an integer, not 1.5"),
        ('misfire_grace = "-1h"\n', "F:1: misfire_grace: '-1h' is negative"),
        ('[defaults]\nreveal = "10d"\n', "F:2: [defaults] reveal: reveal '10d' is over 7 days"),
        ('[defaults]\nlevels = "expert"\n', "F:2: [defaults] levels: unknown level 'expert'"),
        (
            '[discord]\ntoken_env = "my token"\n',
            "F:2: [discord] token_env: 'my token' is not an environment variable name",
        ),
        (
            '[server]\nmetrics_token_env = "the token"\n',
            "F:2: [server] metrics_token_env: 'the token' is not an environment variable name",
        ),
        ('[discord]\nguild_ids = ["abc"]\n', "F:2: [discord] guild_ids: every item must be a Discord id"),
        ("[discord]\nshard_count = 0\n", "F:2: [discord] shard_count: 0 is too small; use 1 or more"),
        ('[discord]\nshard_count = "2"\n', "F:2: [discord] shard_count: must be an integer, not '2'"),
        (
            "[discord]\nshard_ids = [0]\n",
            "F:2: [discord] shard_ids: needs shard_count in [discord] too: how many shards the bot has in all",
        ),
        (
            "[discord]\nshard_count = 2\nshard_ids = [0, 2]\n",
            "F:3: [discord] shard_ids: shard 2 does not exist with shard_count = 2; use 0 to 1",
        ),
        (
            "[discord]\nshard_count = 2\nshard_ids = [1, 1]\n",
            "F:3: [discord] shard_ids: shard 1 is listed twice",
        ),
        (
            "[discord]\nshard_count = 2\nshard_ids = []\n",
            "F:3: [discord] shard_ids: lists no shard; name the",
        ),
        (
            '[discord]\nshard_count = 2\nshard_ids = ["0"]\n',
            "F:3: [discord] shard_ids: every item must be a shard number (an integer), not '0'",
        ),
        ("[discord]\nshard_count = 2\nshard_ids = 0\n", "F:3: [discord] shard_ids: must be an array, not 0"),
        ("[slack]\npartition_count = 0\n", "F:2: [slack] partition_count: 0 is too small; use 1 or more"),
        (
            "[slack]\npartition_ids = [0]\n",
            "F:2: [slack] partition_ids: needs partition_count in [slack] too: how many partitions the bot",
        ),
        (
            "[slack]\npartition_count = 2\npartition_ids = [0, 2]\n",
            "F:3: [slack] partition_ids: partition 2 does not exist with partition_count = 2; use 0 to 1",
        ),
        (
            "[slack]\npartition_count = 3\npartition_ids = [1, 1]\n",
            "F:3: [slack] partition_ids: partition 1 is listed twice",
        ),
        (
            "[slack]\npartition_count = 2\npartition_ids = []\n",
            "F:3: [slack] partition_ids: lists no partition; name the ones this process schedules, like [0]",
        ),
        (
            "[slack]\npartition_count = 2\npartition_ids = [true]\n",
            "F:3: [slack] partition_ids: every item must be a partition number (an integer), not True",
        ),
        (
            '[slack]\ndistributed = "yes"\n',
            "F:2: [slack] distributed: must be a boolean (true or false), not 'yes'",
        ),
        (
            '[slack]\nclient_secret_env = "secret-value"\n',
            "F:2: [slack] client_secret_env: 'secret-value' is not an environment variable name",
        ),
        ('[slack]\nauthorize_url = "slack.com"\n', "F:2: [slack] authorize_url: 'slack.com' is not an http"),
        ('packs = ["nowhere"]\n', "F:1: packs: "),
        ('database = "x.db\n', "F:1: not valid TOML: "),
        ("defaults = 3\n", "F:1: defaults: must be a table"),
        ("[server]\nport = 70000\n", "F:2: [server] port: 70000 is not a port; use 1-65535"),
        ('command_cooldown = "2h"\n', "F:1: command_cooldown: '2h' is over an hour"),
        ('log_format = "xml"\n', "F:1: log_format: 'xml' is not allowed; use one of text, json"),
        (
            '[server]\nmonitoring = "yes"\n',
            "F:2: [server] monitoring: must be a boolean (true or false), not 'yes'",
        ),
    ],
)
def test_config_errors_name_file_line_option_and_what_is_allowed(
    tmp_path: Path, text: str, message: str
) -> None:
    assert message in _error(tmp_path, text)


def test_values_and_environment_overrides(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        'database = "data/bot.db"\nmisfire_grace = "30m"\n[defaults]\ntimezone = "Asia/Tokyo"\nreveal = "next"\n',
        {"PRACTICEBOT_LOG_LEVEL": "debug"},
    )
    assert config.database == tmp_path / "data" / "bot.db"
    assert config.misfire_grace == timedelta(minutes=30)
    assert config.defaults.schedule.timezone == "Asia/Tokyo" and config.defaults.reveal.is_next
    assert config.log_level == "DEBUG"
    assert load_config(None, {"PRACTICEBOT_DATABASE": "/tmp/x.db"}).database == Path("/tmp/x.db")
    with pytest.raises(ConfigError, match="PRACTICEBOT_LOG_LEVEL: 'LOUD' is not one of"):
        load_config(None, {"PRACTICEBOT_LOG_LEVEL": "loud"})


def test_the_lease_lasts_30_seconds_unless_configured(tmp_path: Path) -> None:
    assert load_config(None, {}).lease.ttl == timedelta(seconds=30)
    assert _load(tmp_path, '[lease]\nttl = "2m"\n').lease.ttl == timedelta(minutes=2)


def test_freezes_default_to_one_per_seven_answers_and_zero_turns_them_off(tmp_path: Path) -> None:
    built_in = load_config(None, {})
    assert (built_in.freeze_every, built_in.freeze_cap) == (7, 2)
    config = _load(tmp_path, "freeze_every = 0\nfreeze_cap = 0\n")
    assert (config.freeze_every, config.freeze_cap) == (0, 0)


def test_slack_partitions_default_to_one_process_and_name_what_a_process_serves(tmp_path: Path) -> None:
    assert SlackConfig().split.names("slack") == ["slack"]  # unpartitioned: one lease for all of Slack
    config = _load(
        tmp_path, '[slack]\npartition_ids = [2, 0]\npartition_count = 3\nclient_id_env = "MY_SLACK_ID"\n'
    ).slack
    assert (config.partition_count, config.partition_ids) == (3, (2, 0))
    assert config.split.names("slack") == ["slack:partition:0/3", "slack:partition:2/3"]
    assert config.client_id_env == "MY_SLACK_ID" and config.distributed is None
    every = _load(tmp_path, "[slack]\npartition_count = 2\ndistributed = false\n").slack
    assert (
        every.split.names("slack") == ["slack:partition:0/2", "slack:partition:1/2"]
        and every.distributed is False
    )


def test_shards_default_to_one_process_and_read_in_any_order(tmp_path: Path) -> None:
    assert (DiscordConfig().shard_count, DiscordConfig().shard_ids) == (None, None)
    config = _load(tmp_path, "[discord]\nshard_ids = [2, 0]\nshard_count = 3\n")
    assert (config.discord.shard_count, config.discord.shard_ids) == (3, (2, 0))
    every = _load(tmp_path, "[discord]\nshard_count = 4\n").discord
    assert (every.shard_count, every.shard_ids) == (4, None)  # this one process connects as all four


def test_missing_config_file_is_an_error_and_discovery_order(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml", {})
    assert find_config(Path("a.toml"), {"PRACTICEBOT_CONFIG": "b.toml"}) == Path("a.toml")
    assert find_config(None, {"PRACTICEBOT_CONFIG": "b.toml"}) == Path("b.toml")


def test_log_format_and_monitoring_from_the_file_and_the_environment(tmp_path: Path) -> None:
    config = _load(tmp_path, 'log_format = "json"\n[server]\nmonitoring = true\n')
    assert config.log_format == "json" and config.server.monitoring
    overridden = load_config(None, {"PRACTICEBOT_LOG_FORMAT": "JSON", "PRACTICEBOT_MONITORING": "yes"})
    assert overridden.log_format == "json" and overridden.server.monitoring
    assert not _load(
        tmp_path, "[server]\nmonitoring = true\n", {"PRACTICEBOT_MONITORING": "0"}
    ).server.monitoring
    with pytest.raises(
        ConfigError, match="PRACTICEBOT_MONITORING: 'maybe' is not one of 1, true, yes, on, 0"
    ):
        load_config(None, {"PRACTICEBOT_MONITORING": "maybe"})
    with pytest.raises(ConfigError, match="PRACTICEBOT_LOG_FORMAT: 'xml' is not one of text, json"):
        load_config(None, {"PRACTICEBOT_LOG_FORMAT": "xml"})


def test_a_default_reveal_past_the_next_post_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "F"
    path.write_text('[defaults]\ndays = "daily"\nreveal = "2d"\n', encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"F:3: \[defaults\] reveal: reveal after 2d comes after the next post"
    ):
        load_config(path)


def test_the_http_server_listens_on_this_host_only_unless_told() -> None:
    assert load_config(None, {}).server.host == "127.0.0.1"  # /metrics and /healthz are not public
    assert load_config(None, {"PRACTICEBOT_HOST": "0.0.0.0"}).server.host == "0.0.0.0"
    both = load_config(None, {"PRACTICEBOT_HOST": "::", "PRACTICEBOT_MONITORING": "1"}).server
    assert (both.host, both.monitoring) == ("::", True)
    with pytest.raises(ConfigError, match="PRACTICEBOT_HOST: 'not a host!' is not a host name or address"):
        load_config(None, {"PRACTICEBOT_HOST": "not a host!"})


def test_a_postgresql_url_picks_the_server_and_a_wrong_one_says_what_to_write(tmp_path: Path) -> None:
    config = _load(tmp_path, 'database = "postgresql://bot@db.internal:5432/practice?sslmode=verify-full"\n')
    assert config.database_url == "postgresql://bot@db.internal:5432/practice?sslmode=verify-full"
    assert config.database_shown == config.database_url
    assert (
        load_config(None, {"PRACTICEBOT_DATABASE": "postgresql://bot@db/p"}).database_url
        == "postgresql://bot@db/p"
    )
    assert config.with_database("other.sqlite3").database_url is None  # --database back to a file
    for text, message in (
        ('database = "mysql://bot@db/p"\n', "is a mysql:// URL; the database is a SQLite file"),
        ('database = "postgresql://bot:hunter2@db/p"\n', "the URL holds a password: remove it"),
        ('database = "postgresql://bot@db"\n', "names no host or no database"),
        ("[postgresql]\npool_size = 0\n", "[postgresql] pool_size: 0 is out of range: use 1 to 100"),
        ('[postgresql]\nconnect_timeout = "1h"\n', "[postgresql] connect_timeout: '1h' is out of range"),
    ):
        with pytest.raises(ConfigError) as refused:
            _load(tmp_path, text)
        assert message in refused.value.message
        assert "hunter2" not in refused.value.message
