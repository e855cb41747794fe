"""A file a person attached to a command, fetched from the platform: refused from its declared size
before a byte is read, read no further than ATTACHMENT_MAX_BYTES whatever the platform declared,
and every way the fetch can fail worded for the person (an expired link, a cut connection, a
sign-in page instead of the file). Shared by the Discord and Slack adapters."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping

import aiohttp

from bot.core.shared.errors import UserError
from bot.core.shared.messages import (
    ATTACHMENT_MAX_BYTES,
    Attachment,
    Message,
    Response,
    file_too_large,
    plain,
)

CHUNK = 64 * 1024
TIMEOUT = 30.0  # seconds for the whole download; the platforms' deadlines are met by deferring first
GONE = frozenset({403, 404, 410})  # a signed link past its expiry, or a file deleted meanwhile


class DownloadError(UserError):
    """The file could not be fetched; the message says why and what to do."""


def check_declared(filename: str, size: int | None) -> None:
    """Refuse a file the platform says is over the limit, before downloading it."""
    if size is not None and size > ATTACHMENT_MAX_BYTES:
        raise DownloadError(file_too_large(filename, size))


async def download(
    url: str,
    filename: str,
    *,
    headers: Mapping[str, str] | None = None,
    expired: str,
    html: str | None = None,
    limit: int = ATTACHMENT_MAX_BYTES,
    timeout: float = TIMEOUT,  # noqa: ASYNC109 - the whole download's, worded in the refusal
) -> Attachment:
    """GET `url` and return its bytes as an Attachment named `filename`. `expired`: what to tell
    the person when the link answers 403, 404 or 410; `html`: when the answer is an HTML page
    instead of the file (Slack's sign-in page for a token that may not read files)."""
    name = plain(filename)
    try:
        async with (
            asyncio.timeout(timeout),
            aiohttp.ClientSession() as session,
            session.get(url, headers=dict(headers or {}), allow_redirects=True) as answer,
        ):
            if answer.status in GONE:
                raise DownloadError(expired)
            if answer.status != 200:
                raise DownloadError(
                    f"{name} could not be fetched (the platform answered {answer.status}): "
                    "try again in a minute."
                )
            if html is not None and answer.content_type == "text/html":
                raise DownloadError(html)
            if answer.content_length is not None:
                check_declared(filename, answer.content_length)
            data = bytearray()
            async for chunk in answer.content.iter_chunked(CHUNK):
                data += chunk
                if len(data) > limit:
                    raise DownloadError(file_too_large(filename, len(data)))
    except TimeoutError:
        raise DownloadError(
            f"{name} took longer than {timeout:.0f} s to fetch: try again, or try a smaller file."
        ) from None
    except aiohttp.ClientPayloadError:
        raise DownloadError(f"the download of {name} was cut off before the end: try again.") from None
    except aiohttp.ClientError as exc:
        raise DownloadError(f"{name} could not be fetched ({type(exc).__name__}): try again.") from None
    return Attachment(filename, bytes(data))


def without_file(response: Response, note: str) -> Response:
    """An answer whose file went elsewhere (a DM) or could not go: the file left off and `note`
    added to its first message, so the note is in the one answer a person sees first."""
    first, *rest = response.messages or (Message(),)
    said = dataclasses.replace(first, body=f"{first.body}\n\n{note}".strip())
    return dataclasses.replace(response, messages=(said, *rest), attachment=None)
