"""The PNG encoder and the recap picture: a valid file by the format's own rules (signature,
IHDR, chunk CRCs, the zlib stream), decoded by an independent reader (Pillow) to the pixels drawn."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.core.models import TeamStreak
from bot.core.recap import PostCount, WeekFigures, week_figures
from bot.core.streaks import Streak
from bot.render.font import GLYPHS, draw_text, text_width
from bot.render.png import SIGNATURE, Canvas, encode_png
from bot.render.recap_image import (
    BAR,
    HEIGHT,
    NO_POST,
    SHADES,
    WIDTH,
    bar_box,
    cell_origin,
    draw_recap,
    recap_picture,
)


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, checking each length and CRC on the way."""
    assert png[:8] == SIGNATURE
    found, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF, f"bad CRC on {kind!r}"
        found.append((kind, data))
        at += 12 + length
    assert at == len(png)
    return found


def test_a_tiny_picture_is_a_valid_png_with_the_pixels_drawn() -> None:
    canvas = Canvas(3, 2, background=(255, 255, 255))
    canvas.fill(1, 0, 1, 1, (255, 0, 0))
    canvas.fill(0, 1, 3, 1, (0, 0, 255))
    png = canvas.png()
    found = chunks(png)
    assert [kind for kind, _ in found] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", found[0][1])
    assert (width, height, depth, colour, compression, filtering, interlace) == (3, 2, 8, 2, 0, 0, 0)
    raw = zlib.decompress(found[1][1])
    assert raw == bytes([0, 255, 255, 255, 255, 0, 0, 255, 255, 255, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255])
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.size == (3, 2) and image.mode == "RGB"
    assert image.getpixel((1, 0)) == (255, 0, 0)
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert image.getpixel((2, 1)) == (0, 0, 255)


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(1, 40),
    height=st.integers(1, 40),
    seed=st.binary(min_size=3, max_size=3),
)
def test_any_size_and_colour_round_trips_through_pillow(width: int, height: int, seed: bytes) -> None:
    colour = (seed[0], seed[1], seed[2])
    canvas = Canvas(width, height, background=(0, 0, 0))
    canvas.fill(width // 2, height // 2, width, height, colour)  # clipped at the edges
    image = Image.open(io.BytesIO(canvas.png()))
    assert image.size == (width, height)
    assert image.getpixel((width - 1, height - 1)) == colour
    assert image.getpixel((0, 0)) == ((0, 0, 0) if width > 1 or height > 1 else colour)


def test_wrong_pixel_counts_and_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="bytes of pixels"):
        encode_png(2, 2, b"\x00" * 11)
    with pytest.raises(ValueError, match="positive size"):
        encode_png(0, 2, b"")


def test_text_is_drawn_with_the_bitmap_font() -> None:
    canvas = Canvas(40, 10)
    end = draw_text(canvas, 1, 1, "17", (0, 0, 0))
    assert end == 1 + 12 and text_width("17") == 11
    # the top row of "1" is 00100: only its middle column is inked
    assert [canvas.pixel(1 + x, 1) for x in range(5)] == [(255, 255, 255)] * 2 + [(0, 0, 0)] + [
        (255, 255, 255)
    ] * 2
    assert all(len(rows) == 7 and all(0 <= r < 32 for r in rows) for rows in GLYPHS.values())


def _figures() -> WeekFigures:
    last = date(2026, 3, 6)  # a Friday
    posts = [
        PostCount(last - timedelta(days=d), f"q{d}", True, answers)
        for d, answers in ((0, 4), (1, 2), (2, 0), (3, 1), (7, 4), (14, 3))
    ]
    return week_figures(last, posts, {"a": Streak(3, 3, 5)}, {"a": "Ana"}, TeamStreak(3, 3))


def test_the_recap_picture_has_its_size_and_shows_the_heat_map_and_the_streak_bars() -> None:
    figures = _figures()
    picture = recap_picture(figures)
    assert (picture.width, picture.height) == (WIDTH, HEIGHT)
    assert picture.filename == "recap-2026-03-06.png"
    image = Image.open(io.BytesIO(picture.data))
    image.load()
    assert image.size == (WIDTH, HEIGHT)

    def centre_of_cell(column: int, row: int) -> tuple[int, int, int]:
        x, y = cell_origin(column, row)
        pixel = image.getpixel((x + 5, y + 5))
        assert isinstance(pixel, tuple)
        return pixel[0], pixel[1], pixel[2]

    # the last column is this week, Sat 28 Feb (row 0) to Fri 6 Mar (row 6)
    assert centre_of_cell(11, 6) == SHADES[4]  # Friday: 4 answers, the busiest day
    assert centre_of_cell(11, 5) == SHADES[2]  # Thursday: 2 of 4
    assert centre_of_cell(11, 4) == SHADES[0]  # Wednesday: a question nobody answered
    assert centre_of_cell(11, 0) == NO_POST  # Saturday: no question
    assert centre_of_cell(10, 6) == SHADES[4]  # last Friday: 4
    assert centre_of_cell(0, 6) == NO_POST  # twelve weeks ago: nothing yet
    # the team streak at the end of this week: Thursday and Friday, after Wednesday went unanswered
    assert figures.team_by_week[-3:] == (1, 2, 2)
    x, y, w, h = bar_box(11, figures.team_by_week[-1], max(figures.team_by_week))
    assert h > 0
    assert image.getpixel((x + w // 2, y + h - 1)) == BAR


def test_drawing_is_deterministic() -> None:
    figures = _figures()
    assert draw_recap(figures).png() == draw_recap(figures).png()
