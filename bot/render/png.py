"""A small PNG encoder: 8-bit RGB, no interlace, one zlib stream, filter 0 on every row.

Enough for charts the bot draws itself; no image library is needed at run time. The format is
RFC 2083 / ISO 15948: the 8-byte signature, then chunks of length, type, data and a CRC-32 of
type and data (zlib.crc32 is that CRC).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

SIGNATURE = b"\x89PNG\r\n\x1a\n"
Colour = tuple[int, int, int]


def chunk(kind: bytes, data: bytes) -> bytes:
    """One chunk: big-endian length, type, data, CRC-32 over type and data."""
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def encode_png(width: int, height: int, rgb: bytes | bytearray) -> bytes:
    """`rgb` holds `height` rows of `width` pixels, three bytes each, top row first."""
    if width <= 0 or height <= 0:
        raise ValueError(f"a PNG needs a positive size, not {width}x{height}")
    stride = width * 3
    if len(rgb) != stride * height:
        raise ValueError(f"{len(rgb)} bytes of pixels for {width}x{height} RGB (want {stride * height})")
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter type 0 (None) for the row
        raw += rgb[y * stride : (y + 1) * stride]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # depth 8, colour type 2 = RGB
    return (
        SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 6))
        + chunk(b"IEND", b"")
    )


@dataclass
class Canvas:
    """An RGB picture to draw on with rectangles and text, then encode."""

    width: int
    height: int
    background: Colour = (255, 255, 255)
    pixels: bytearray = field(init=False)

    def __post_init__(self) -> None:
        self.pixels = bytearray(bytes(self.background) * (self.width * self.height))

    def fill(self, x: int, y: int, w: int, h: int, colour: Colour) -> None:
        """A filled rectangle, clipped to the canvas."""
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + w), min(self.height, y + h)
        if x0 >= x1 or y0 >= y1:
            return
        row = bytes(colour) * (x1 - x0)
        for yy in range(y0, y1):
            start = (yy * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def pixel(self, x: int, y: int) -> Colour:
        start = (y * self.width + x) * 3
        r, g, b = self.pixels[start : start + 3]
        return (r, g, b)

    def png(self) -> bytes:
        return encode_png(self.width, self.height, self.pixels)
