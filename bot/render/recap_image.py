"""The weekly recap's picture: a participation heat map (the last 12 weeks by 7 days, answers
per day as shades, like a contributions graph) beside a bar chart of the team streak at the end
of each of those weeks. Figures in, PNG bytes out.

Drawn with Pillow, antialiased, with the font Pillow bundles (`ImageFont.load_default(size=...)`,
a scalable FreeType font since Pillow 10.1: https://pillow.readthedocs.io/en/stable/reference/ImageFont.html),
at twice its layout size so it is sharp on high-density screens. Pillow is imported only here,
when a recap is drawn: the rest of the bot never loads it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core.recap.rules import HEAT_WEEKS, WeekFigures, day_label, heat_level, picture_name
from bot.core.shared.messages import Picture

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

Colour = tuple[int, int, int]
SCALE = 2  # pixels per layout point: drawn at 2x for high-density screens
WIDTH, HEIGHT = 640 * SCALE, 240 * SCALE  # the picture's pixels
BACKGROUND: Colour = (255, 255, 255)
INK: Colour = (36, 41, 47)
MUTED: Colour = (101, 109, 118)
NO_POST: Colour = (246, 248, 250)  # a day without a question
# nobody answered, then a quarter of the busiest day's answers each (GitHub's greens)
SHADES: tuple[Colour, ...] = ((218, 222, 227), (155, 233, 168), (64, 196, 99), (48, 161, 78), (33, 110, 57))
BAR: Colour = (88, 101, 242)
AXIS: Colour = (208, 215, 222)

# the layout, in points
CELL, GAP = 15, 3
PITCH = CELL + GAP
GRID_X, GRID_Y = 48, 66  # top-left of the heat map's first cell
CHART_X, CHART_Y, CHART_H = 316, 78, 108  # plot area of the streak chart: left, top, height
BAR_W, BAR_PITCH = 16, 26
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def cell_origin(column: int, row: int) -> tuple[int, int]:
    """Top-left pixel of the heat map's cell for week `column` (0 = oldest) and day `row`."""
    return (GRID_X + column * PITCH) * SCALE, (GRID_Y + row * PITCH) * SCALE


def bar_box(column: int, value: int, most: int) -> tuple[int, int, int, int]:
    """(x, y, width, height) in pixels of the streak chart's bar for week `column`."""
    height = 0 if most <= 0 else max(1 if value else 0, round(CHART_H * SCALE * value / most))
    x = (CHART_X + column * BAR_PITCH) * SCALE
    return x, (CHART_Y + CHART_H) * SCALE - height, BAR_W * SCALE, height


def labels(figures: WeekFigures) -> list[str]:
    """Every piece of text the picture shows, in drawing order (what a screen reader would need)."""
    texts = ["Answers per day", f"The last {HEAT_WEEKS} weeks, to {day_label(figures.last)}"]
    first_row_day = figures.last - timedelta(days=6)
    texts += [_DAY_NAMES[(first_row_day + timedelta(days=row)).weekday()] for row in range(7)]
    texts += ["Less", "More", "Team streak", "At the end of each week"]
    for column, value in enumerate(figures.team_by_week):
        texts.append(str(value))
        weeks_back = len(figures.team_by_week) - 1 - column
        if weeks_back % 2 == 0:  # every other week's date: they fit side by side
            texts.append(day_label(figures.last - timedelta(days=7 * weeks_back)))
    return texts


def draw_recap(figures: WeekFigures) -> bytes:
    """The picture as PNG bytes; the same figures give the same bytes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    pen = _Pen(ImageDraw.Draw(image), iter(labels(figures)))
    _heat_map(pen, figures)
    _streak_chart(pen, figures)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def recap_picture(figures: WeekFigures) -> Picture:
    return Picture(
        filename=picture_name(figures.last),
        data=draw_recap(figures),
        width=WIDTH,
        height=HEIGHT,
        description="Answers per day over the last 12 weeks, and the team streak at the end of each week",
    )


class _Pen:
    """Draws in points; the text comes from `labels`, so what is drawn and what is listed agree."""

    def __init__(self, draw: ImageDraw.ImageDraw, texts: Iterator[str]) -> None:
        self.draw = draw
        self._texts = texts
        self._fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}

    def text(self, x: float, y: float, size: int, colour: Colour, anchor: str = "la") -> str:
        from PIL import ImageFont

        said = next(self._texts)
        if size not in self._fonts:
            self._fonts[size] = ImageFont.load_default(size=size * SCALE)
        self.draw.text((x * SCALE, y * SCALE), said, fill=colour, font=self._fonts[size], anchor=anchor)
        return said

    def box(self, x: float, y: float, w: float, h: float, colour: Colour, radius: float = 0) -> None:
        if w <= 0 or h <= 0:
            return
        corners = (round(x * SCALE), round(y * SCALE), round((x + w) * SCALE) - 1, round((y + h) * SCALE) - 1)
        self.draw.rounded_rectangle(corners, radius=radius * SCALE, fill=colour)


def _heat_map(pen: _Pen, figures: WeekFigures) -> None:
    pen.text(16, 14, 17, INK)
    pen.text(16, 38, 11, MUTED)
    most = max((n or 0 for week in figures.heat for n in week), default=0)
    for row in range(7):
        pen.text(GRID_X - 6, GRID_Y + row * PITCH + CELL / 2, 9, MUTED, anchor="rm")
    for column, week in enumerate(figures.heat):
        for row, answers in enumerate(week):
            level = heat_level(answers, most)
            x, y = GRID_X + column * PITCH, GRID_Y + row * PITCH
            pen.box(x, y, CELL, CELL, NO_POST if level < 0 else SHADES[level], radius=3)
    legend_y = GRID_Y + 7 * PITCH + 10
    pen.text(GRID_X, legend_y + CELL / 2, 9, MUTED, anchor="lm")
    x = GRID_X + 30
    for colour in (NO_POST, *SHADES):
        pen.box(x, legend_y, CELL, CELL, colour, radius=3)
        x += PITCH
    pen.text(x + 2, legend_y + CELL / 2, 9, MUTED, anchor="lm")


def _streak_chart(pen: _Pen, figures: WeekFigures) -> None:
    pen.text(CHART_X, 14, 17, INK)
    pen.text(CHART_X, 38, 11, MUTED)
    values = figures.team_by_week
    most = max(values, default=0)
    axis_y = CHART_Y + CHART_H
    pen.box(CHART_X - 4, axis_y, len(values) * BAR_PITCH, 1, AXIS)
    for column, value in enumerate(values):
        x, y, w, h = (n / SCALE for n in bar_box(column, value, most))
        pen.box(x, y, w, h, BAR, radius=min(3, h / 2))
        pen.text(x + w / 2, y - 3, 10, INK, anchor="ms")
        if (len(values) - 1 - column) % 2 == 0:
            pen.text(x + w / 2, axis_y + 6, 9, MUTED, anchor="ma")


class RecapImages:
    """The recap's picture port (`bot.core.recap.ports.RecapPictures`), drawn with Pillow."""

    def recap(self, figures: WeekFigures) -> Picture:
        return recap_picture(figures)
