"""Files people share in Slack: the file object a `file_share` message event carries, and its
private download links.

Slack's rules kept here: a file's `url_private` and `url_private_download` "require an
authorization header with a token that has either the files:read or read scopes"
(`Authorization: Bearer ...`; Slack's "Important changes to files in the Web API"). Without such a
token Slack does not answer 401: the link answers 200 with the HTML of its sign-in page, so a
client that does not look at the Content-Type saves a web page as the file.
"""

from __future__ import annotations

import mimetypes
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from .workspace import Json

if TYPE_CHECKING:
    from .emulator import SlackEmulator

SIGN_IN_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Sign in | Slack</title></head>'
    "<body><h1>Sign in to your workspace</h1></body></html>"
)


@dataclass
class SharedFile:
    id: str
    team_id: str
    user: str
    name: str
    data: bytes
    mimetype: str
    created: int


class SharedFiles:
    def __init__(self, emulator: SlackEmulator) -> None:
        self.emu = emulator
        self.files: dict[str, SharedFile] = {}
        self.downloads: list[tuple[str, bool]] = []  # (file id, served the file rather than the sign-in page)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/files-pri/{team_file}/download/{name}", self.serve),
            web.get("/files-pri/{team_file}/{name}", self.serve),
        ]

    def add(self, team_id: str, user_id: str, name: str, data: bytes, mimetype: str | None) -> SharedFile:
        file = SharedFile(
            self.emu.workspaces[team_id].new_id("F"),
            team_id,
            user_id,
            name,
            data,
            mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream",
            int(time.time()),
        )
        self.files[file.id] = file
        return file

    def partial(self, file: SharedFile) -> Json:
        """The file object Slack sends when the app must ask files.info for the rest (a file from
        a Slack Connect channel: `"file_access": "check_file_info"`, no name, no links)."""
        return {"id": file.id, "mode": "file_access", "file_access": "check_file_info", "created": 0,
                "timestamp": 0, "user": ""}  # fmt: skip

    def payload(self, file: SharedFile, *, size: int | None = None) -> Json:
        """The file object of a file_share message (https://docs.slack.dev/reference/objects/file-object)."""
        base = f"http://127.0.0.1:{self.emu.port}/files-pri/{file.team_id}-{file.id}"
        stem, _, ext = file.name.rpartition(".")
        return {
            "id": file.id,
            "created": file.created,
            "timestamp": file.created,
            "name": file.name,
            "title": stem or file.name,
            "mimetype": file.mimetype,
            "filetype": ext.lower() if stem else "text",
            "pretty_type": (ext or "file").upper(),
            "user": file.user,
            "user_team": file.team_id,
            "editable": False,
            "size": len(file.data) if size is None else size,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": True,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{base}/{file.name}",
            "url_private_download": f"{base}/download/{file.name}",
            "permalink": f"https://{file.team_id.lower()}.slack.com/files/{file.user}/{file.id}/{file.name}",
            "has_rich_preview": False,
            "file_access": "visible",
        }

    async def serve(self, request: web.Request) -> web.Response:
        """The file for a token of its workspace with files:read; else Slack's sign-in page, 200."""
        team_id, _, file_id = request.match_info["team_file"].partition("-")
        file = self.files.get(file_id)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        allowed = (
            self.emu.tokens.get(token) == team_id
            and not (token == self.emu.bot_token and self.emu.revoked)
            and "files:read" in self.emu.scopes
        )
        self.emu._record(request.method, request.path, dict(request.query), {}, api_method="files-pri")
        if file is not None:
            self.downloads.append((file.id, allowed))
        self.emu._notify()
        if not allowed:
            return web.Response(text=SIGN_IN_PAGE, content_type="text/html")
        if file is None or file.team_id != team_id:
            return web.Response(status=404, text="file not found")
        return web.Response(body=file.data, content_type=file.mimetype)
