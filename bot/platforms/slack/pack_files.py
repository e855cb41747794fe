"""Pack files on Slack, where a slash command cannot carry a file.

Import: an admin shares the file in the channel with a message that mentions the app,
`@practicebot pack import [into=NAME]`. Slack delivers it as a top-level `message` event with
subtype `file_share` listing the files (id, name, size, url_private_download; only the id, with
`"file_access": "check_file_info"`, for a file from a Slack Connect channel: then files.info
tells the rest); the file is
refused from its stated size before anything is read, then downloaded with the bot token
(`Authorization: Bearer`, scope files:read), and the report goes to the person who shared it
only (chat.postEphemeral). A link that answers Slack's HTML sign-in page instead of the file
means the token may not read files: the app lacks files:read.

Export: `/practice pack export` uploads the file into the caller's direct messages with the app
(conversations.open, then files.getUploadURLExternal, the upload, files.completeUploadExternal):
an ephemeral answer cannot carry a file, and sharing it in the channel would hand everyone a pack
one admin asked for. The answer in the channel says where it went.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from bot.core.commands import grammar
from bot.core.shared.errors import UserError
from bot.core.shared.messages import Attachment, plain
from bot.core.shared.models import Caller
from bot.platforms.downloads import check_declared, download

HOW_TO_IMPORT = (
    "Slack commands cannot carry a file. To import a pack, share the file (CSV, JSON, YAML or an "
    "Anki .apkg, at most 2 MB) in this channel in a message that mentions the app: "
    "`@practicebot pack import`, or `@practicebot pack import into=NAME` for a pack of another name. "
    "The report comes back here, to you only."
)
ONLY_IMPORTS = (
    "A file shared with practicebot is for importing a pack: write `@practicebot pack import` "
    "(or `pack import into=NAME`) in the message you share it with."
)
NO_FILES_READ = (
    "practicebot could not read {name}: Slack answered with its sign-in page instead of the file, "
    "which means the app lacks the files:read scope. An admin of the workspace can add it (the "
    "manifest from `practicebot slack manifest` has it) and reinstall the app; then share the file again."
)
EXPIRED = "{name} is gone from Slack (deleted, or no longer shared here): share it again."


def mentions(text: str, bot_user_id: str) -> bool:
    return bool(bot_user_id) and f"<@{bot_user_id}" in text


def words_after_mention(text: str, bot_user_id: str) -> str:
    """`<@U123> pack import into=go` -> `pack import into=go` (every mention of the app dropped)."""
    kept = []
    for word in text.split():
        if not word.startswith(f"<@{bot_user_id}"):
            kept.append(word)
    return " ".join(kept)


def is_import(command: grammar.Command) -> bool:
    return (
        isinstance(command, grammar.Practice) and command.pack is not None and command.pack.verb == "import"
    )


def with_file(command: grammar.Command, file: Attachment) -> grammar.Command:
    """`command` (a pack import) with the file the person attached."""
    assert isinstance(command, grammar.Practice)
    return dataclasses.replace(command, attachment=file)


FileInfo = Callable[[str], Awaitable[dict[str, Any]]]  # files.info: a file's whole object by its id
SLACK_FILES = "files.slack.com"  # where url_private links point; the bot token goes nowhere else


def token_hosts(api_base_url: str) -> frozenset[str]:
    """The hosts a file link may name for the bot token to go with it: Slack's file host, and the
    host of the configured Web API (an Enterprise Grid's, or a test's)."""
    return frozenset({SLACK_FILES, urlsplit(api_base_url).hostname or SLACK_FILES})


async def shared_command(
    caller: Caller, text: str, files: list[dict[str, Any]], token: str, info: FileInfo, hosts: frozenset[str]
) -> grammar.Command:
    """The `pack import` a file share asks for, with the shared file fetched (for an admin only:
    the service refuses anyone else, and their file is never read). A UserError says what is wrong."""
    command = grammar.parse("practice", text, admin=caller.is_admin)
    if not is_import(command):
        raise UserError(ONLY_IMPORTS)
    if len(files) != 1:
        raise UserError(f"Share one pack file at a time with `pack import` (this message has {len(files)}).")
    if not caller.is_admin:
        return command
    return with_file(command, await fetch(files[0], token, info, hosts))


async def fetch(file: dict[str, Any], token: str, info: FileInfo, hosts: frozenset[str]) -> Attachment:
    if file.get("file_access") == "check_file_info":  # only its id came with the event
        file = await info(str(file.get("id") or ""))
    name = str(file.get("name") or file.get("title") or "the file")
    size = file.get("size")
    check_declared(name, size if isinstance(size, int) else None)
    url = file.get("url_private_download") or file.get("url_private")
    if not isinstance(url, str) or not url:
        raise UserError(f"Slack gave no link to {plain(name)}: share it again as a file, not a link.")
    if urlsplit(url).scheme not in ("https", "http") or urlsplit(url).hostname not in hosts:
        raise UserError(f"{plain(name)} is not a file kept by Slack: share the file itself, not a link.")
    return await download(
        url,
        name,
        headers={"Authorization": f"Bearer {token}"},
        expired=EXPIRED.format(name=plain(name)),
        # an HTML file of the person's own comes as HTML too: only another file's HTML is the sign-in page
        html=None if file.get("mimetype") == "text/html" else NO_FILES_READ.format(name=plain(name)),
    )
