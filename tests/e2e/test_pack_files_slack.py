"""Pack files from Slack, the platform side: a file shared in the channel with a message that
mentions the app (a file_share event) is the import; the real slack-bolt against the Slack
emulator. The size limit holds before any download, the download goes with the bot token, a
sign-in page instead of the file is the missing files:read, a non-admin's file is never fetched,
and every answer is ephemeral to who shared the file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.shared.messages import ATTACHMENT_MAX_BYTES
from tests.e2e.pack_samples import GOOD_CSV, PARTLY_BAD_CSV, PROBLEMS
from tests.e2e.test_slack import (  # noqa: F401 - fixtures, used by name
    Running,
    command,
    shown,
    slack,
    start_bot,
)
from tests.emulators.slack import SlackEmulator
from tests.emulators.slack.emulator import DROPPED

CSV = b"question,answer\nWhat is 6 x 7?,42\n"


async def share(slack: SlackEmulator, channel: str, user: str, name: str, data: bytes, words: str) -> str:  # noqa: F811
    return await slack.share_file(channel, user, name, data, f"<@{slack.bot_user_id}> {words}")


async def told(slack: SlackEmulator, channel: str, user: str, count: int = 1) -> list[dict[str, Any]]:  # noqa: F811
    """The ephemeral answers the person got in the channel (waiting for `count` of them)."""
    await slack.wait_for(lambda: len(slack.ephemerals(channel, user)) >= count)
    return slack.ephemerals(channel, user)


async def told_that(slack: SlackEmulator, channel: str, user: str, words: str) -> str:  # noqa: F811
    """The person's ephemeral answer in the channel that says `words` (waiting for it)."""

    def found() -> str:
        return next((shown(e) for e in slack.ephemerals(channel, user) if words in shown(e)), "")

    return await slack.wait_for(found)


async def test_the_slash_command_says_how_to_share_the_file(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    answer = await command(slack, channel, admin, "/practice pack import into=team")
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    assert "Slack commands cannot carry a file" in shown(answer)
    assert "@practicebot pack import" in shown(answer)


async def test_a_shared_file_over_2_mb_is_refused_to_its_sharer_without_downloading_it(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    await slack.share_file(
        channel, admin, "big <!channel>.csv", b"x" * 10, f"<@{slack.bot_user_id}> pack import",
        declared_size=ATTACHMENT_MAX_BYTES + 1,
    )  # fmt: skip
    [answer] = await told(slack, channel, admin)
    assert "is 2.0 MB: a pack file may be at most 2 MB." in shown(answer)
    assert slack.pings() == []  # the file's name pings nobody
    assert slack.shared_files.downloads == []  # not a byte of it was fetched


async def test_without_files_read_the_sign_in_page_is_refused_as_the_missing_scope(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    slack.scopes.discard("files:read")  # an app installed before it asked for files:read
    await share(slack, channel, admin, "pack.csv", CSV, "pack import")
    [answer] = await told(slack, channel, admin)
    assert "Slack answered with its sign-in page instead of the file" in shown(answer)
    assert "lacks the files:read scope" in shown(answer)
    assert slack.shared_files.downloads and not slack.shared_files.downloads[0][1]


async def test_a_non_admins_file_is_refused_and_never_fetched(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    channel, ana = slack.add_channel("practice"), slack.add_user("ana")
    await share(slack, channel, ana, "pack.csv", CSV, "pack import into=team")
    [answer] = await told(slack, channel, ana)
    assert "/practice pack import is for channel admins." in shown(answer)
    assert slack.shared_files.downloads == []


async def test_a_mention_with_a_file_but_another_command_or_two_files_is_answered_not_ignored(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    bot = await start_bot()
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    await share(slack, channel, admin, "pack.csv", CSV, "status")
    await share(slack, channel, admin, "pack.csv", CSV, "pack imprt")
    answers = await told(slack, channel, admin, 2)
    assert "A file shared with practicebot is for importing a pack" in shown(answers[0])
    assert "/practice pack takes import or export" in shown(answers[1])
    handled = bot.platform.message_events
    await slack.share_file(channel, admin, "notes.txt", b"hello", "no mention: not for the bot")
    await slack.wait_for(lambda: bot.platform.message_events > handled)
    assert len(slack.ephemerals(channel, admin)) == 2
    assert slack.shared_files.downloads == []


async def test_an_import_by_file_share_reports_and_the_export_lands_in_dms_and_imports_again(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    await share(slack, channel, admin, "ports.csv", PARTLY_BAD_CSV, "pack import into=networking")
    said = await told_that(slack, channel, admin, "Nothing imported from ports.csv")
    assert "Nothing imported from ports.csv (1 to add, 0 to update, 2 refused)" in said
    assert all(problem in said for problem in PROBLEMS)
    assert "no pack networking here" in shown(
        await command(slack, channel, admin, "/practice pack export networking")
    )

    await share(slack, channel, admin, "ports.csv", GOOD_CSV, "pack import into=networking")
    said = await told_that(slack, channel, admin, "Imported ports.csv")
    assert "Imported ports.csv into networking: 2 added, 0 updated, 0 unchanged, 0 refused." in said
    assert [fetched for _, fetched in slack.shared_files.downloads] == [True, True]  # with the bot token

    answer = await command(slack, channel, admin, "/practice pack export networking yaml")
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    assert "networking.yaml is in your direct messages with practicebot" in shown(answer)
    [dm] = [m for m in slack.direct_messages(admin) if m.get("files")]
    [file] = dm["files"]
    assert file["name"] == "networking.yaml"
    data = slack.file_bytes(file["id"])
    assert data is not None and b"Why is TCP reliable?" in data

    await share(slack, channel, admin, "networking.yaml", data, "pack import")  # the export, shared back
    said = await told_that(slack, channel, admin, "Imported networking.yaml")
    assert "Imported networking.yaml into networking: 0 added, 0 updated, 2 unchanged" in said
    assert slack.pings() == []


async def test_a_file_that_comes_with_its_id_only_is_looked_up_with_files_info(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    """A file from a Slack Connect channel arrives as `"file_access": "check_file_info"`, with no
    name and no link: the app asks files.info for the rest, then imports it as any other."""
    await start_bot()
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    text = f"<@{slack.bot_user_id}> pack import into=networking"
    await slack.share_file(channel, admin, "ports.csv", GOOD_CSV, text, check_file_info=True)
    said = await told_that(slack, channel, admin, "Imported ports.csv")
    assert "Imported ports.csv into networking: 2 added, 0 updated, 0 unchanged, 0 refused." in said
    assert [r.api_method for r in slack.requests if r.api_method == "files.info"] == ["files.info"]


async def test_an_import_report_slack_fails_to_take_is_sent_again_once(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    """The import is stored before its report goes out: a 500 and then a cut connection on
    chat.postEphemeral must not leave the admin without a word of it."""
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    await start_bot(sleep=pause)
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    slack.fail_next("chat.postEphemeral", 500)
    slack.fail_next("chat.postEphemeral", DROPPED)
    await share(slack, channel, admin, "ports.csv", GOOD_CSV, "pack import into=networking")
    said = await told_that(slack, channel, admin, "Imported ports.csv")
    assert "Imported ports.csv into networking: 2 added, 0 updated, 0 unchanged, 0 refused." in said
    assert len(slack.ephemerals(channel, admin)) == 1
    assert [r.status for r in slack.calls("chat.postEphemeral")] == [500, DROPPED, 200]
    assert pauses == [1.0, 2.0]


async def test_a_file_share_slack_delivers_again_imports_and_answers_once(
    slack: SlackEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    """Slack redelivers an event it saw no 200 for within 3 s, with X-Slack-Retry-Num and the same
    event_id (https://docs.slack.dev/apis/events-api/#retries): the retry is acknowledged at once
    and runs nothing, so the file is fetched once and the sharer hears one report."""
    await start_bot(mode="http")
    assert slack.request_url is not None
    channel, admin = slack.add_channel("practice"), slack.add_user("lead", admin=True)
    await share(slack, channel, admin, "ports.csv", GOOD_CSV, "pack import into=networking")
    await told_that(slack, channel, admin, "Imported ports.csv")
    [shared] = [e for e in slack.envelopes if (e.payload.get("event") or {}).get("subtype") == "file_share"]
    retried = await slack.send_signed(slack.request_url, shared.kind, shared.payload, retry_num=1)
    assert retried.status == 200
    await command(slack, channel, admin, "/practice status")  # the bot has handled what came before
    reports = [e for e in slack.ephemerals(channel, admin) if "Imported ports.csv" in shown(e)]
    assert len(reports) == 1
    assert len(slack.shared_files.downloads) == 1
