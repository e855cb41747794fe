"""Discord's CDN for attachments: files people attach to a slash command (uploaded by their client
before the command runs, given in the interaction's `data.resolved.attachments`) and files the bot
uploads with a message.

Discord's rules kept here: attachment links are signed and expire ("Starting December 2023 ...
https://cdn.discordapp.com/attachments/channel/message/filename.ext?ex=EXPIRES&is=ISSUED&hm=CODE";
a link without the parameters, with a wrong signature or past EXPIRES answers 404 "This content
is no longer available."); EXPIRES and ISSUED are hex timestamps, on the emulator's clock here.
Faults: a download that stops mid-body (the connection closes after some bytes of the declared
Content-Length), and a link a test expires at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import mimetypes
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from .model import JSON

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

LINK_TTL = 24 * 3600.0  # seconds a signed link works (Discord: about a day)
GONE_TEXT = "This content is no longer available."


@dataclass
class CdnFile:
    id: int
    channel_id: int
    filename: str
    data: bytes
    content_type: str
    expires: float  # on the emulator's clock
    issued: float


class Cdn:
    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emu = emulator
        self.files: dict[int, CdnFile] = {}
        self.downloads: list[int] = []  # attachment ids fetched, in order (answered 200)
        self._secret = secrets.token_bytes(16)
        self._drops: list[int] = []  # bytes to send before the next downloads are cut off
        self.held: asyncio.Event | None = None  # while set to an unset event, downloads wait for it
        self.waiting = 0  # downloads waiting on `held`

    def routes(self) -> list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]]:
        return [
            ("GET", "/attachments/{channel_id}/{attachment_id}/{filename}", self.serve),
            ("GET", "/ephemeral-attachments/{channel_id}/{attachment_id}/{filename}", self.serve),
        ]

    def add(
        self,
        attachment_id: int,
        channel_id: int,
        filename: str,
        data: bytes,
        *,
        content_type: str | None = None,
        ttl: float = LINK_TTL,
    ) -> CdnFile:
        now = self.emu.clock()
        kind = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        file = CdnFile(attachment_id, channel_id, filename, data, kind, now + ttl, now)
        self.files[attachment_id] = file
        return file

    def url(self, file: CdnFile, *, ephemeral: bool = False) -> str:
        folder = "ephemeral-attachments" if ephemeral else "attachments"
        path = f"/{folder}/{file.channel_id}/{file.id}/{file.filename}"
        ex, issued = f"{int(file.expires):x}", f"{int(file.issued):x}"
        return f"http://127.0.0.1:{self.emu.port}{path}?ex={ex}&is={issued}&hm={self._sign(path, ex, issued)}"

    def payload(self, file: CdnFile, *, ephemeral: bool = False) -> JSON:
        """The attachment object Discord sends (in `resolved.attachments`, on a message)."""
        url = self.url(file, ephemeral=ephemeral)
        found: JSON = {
            "id": str(file.id),
            "filename": file.filename,
            "size": len(file.data),
            "url": url,
            "proxy_url": url,
            "content_type": file.content_type,
        }
        if ephemeral:
            found["ephemeral"] = True
        return found

    def expire(self, attachment_id: int) -> None:
        """The link's EXPIRES passes (a day after it was issued, on Discord)."""
        self.files[attachment_id].expires = self.emu.clock() - 1

    def drop_next_download(self, after_bytes: int = 0) -> None:
        """The next download sends the headers (full Content-Length) and `after_bytes` of the
        body, then the connection closes."""
        self._drops.append(after_bytes)

    def hold_downloads(self) -> asyncio.Event:
        """Downloads wait until the returned event is set (a slow CDN, without sleeping)."""
        self.held = asyncio.Event()
        return self.held

    def _sign(self, path: str, ex: str, issued: str) -> str:
        return hmac.new(self._secret, f"{path}|{ex}|{issued}".encode(), hashlib.sha256).hexdigest()

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """GET a signed attachment link: the bytes, or 404 for a link that is expired, unsigned
        or wrongly signed, or names no file."""
        query = request.query
        ex, issued, mac = query.get("ex", ""), query.get("is", ""), query.get("hm", "")
        signed = hmac.compare_digest(mac, self._sign(request.path, ex, issued))
        try:
            attachment_id = int(request.match_info["attachment_id"])
            expires = int(ex, 16)
        except ValueError:
            return web.Response(status=404, text=GONE_TEXT)
        file = self.files.get(attachment_id)
        if not signed or file is None or self.emu.clock() > min(expires, file.expires):
            return web.Response(status=404, text=GONE_TEXT)
        if self.held is not None:  # a slow network: the answer waits until the test lets it go
            self.waiting += 1
            self.emu.changes.notify()
            await self.held.wait()
            self.waiting -= 1
        if self._drops:
            return await self._cut_off(request, file, self._drops.pop(0))
        self.downloads.append(file.id)
        self.emu.changes.notify()
        return web.Response(body=file.data, content_type=file.content_type)

    async def _cut_off(self, request: web.Request, file: CdnFile, sent: int) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": file.content_type})
        response.content_length = len(file.data)
        await response.prepare(request)
        await response.write(file.data[:sent])
        assert request.transport is not None
        request.transport.close()  # the connection drops before the body is complete
        return response
