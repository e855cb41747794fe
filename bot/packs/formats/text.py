"""Bytes to text for the text formats, refused with the place of the first bad byte."""

from __future__ import annotations

from bot.packs.records import MAX_FILE_BYTES, ImportRefused, Refusal, too_big


def decoded(data: bytes, name: str) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused([too_big(name, len(data))])
    try:
        return data.decode("utf-8-sig")  # a spreadsheet's byte-order mark is not part of the text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(
            [Refusal(f"{name}:{line}", None, f"not UTF-8 text (byte {exc.start}): save it as UTF-8")]
        ) from None
