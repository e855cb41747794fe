"""The weekly recap's picture: a participation heat map (the last 12 weeks by 7 days, answers
per day as shades, like a contributions graph) beside a bar chart of the team streak at the end
of each of those weeks. Pure: figures in, PNG bytes out."""

from __future__ import annotations

from datetime import timedelta

from bot.core.messages import Picture
from bot.core.recap import HEAT_WEEKS, WeekFigures, heat_level, picture_name
from bot.render.font import GLYPH_HEIGHT, draw_text, text_width
from bot.render.png import Canvas, Colour

WIDTH, HEIGHT = 640, 240
BACKGROUND: Colour = (255, 255, 255)
INK: Colour = (36, 41, 47)
MUTED: Colour = (101, 109, 118)
NO_POST: Colour = (246, 248, 250)  # a day without a question
# nobody answered, then a quarter of the busiest day's answers each (GitHub's greens)
SHADES: tuple[Colour, ...] = ((218, 222, 227), (155, 233, 168), (64, 196, 99), (48, 161, 78), (33, 110, 57))
BAR: Colour = (88, 101, 242)
AXIS: Colour = (208, 215, 222)

CELL, GAP = 15, 3
PITCH = CELL + GAP
GRID_X, GRID_Y = 44, 62  # top-left of the heat map's first cell
CHART_X, CHART_Y, CHART_H = 316, 62, 120  # plot area of the streak chart: left, top, height
BAR_W, BAR_PITCH = 16, 26
_ROW_LABELS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def cell_origin(column: int, row: int) -> tuple[int, int]:
    """Top-left pixel of the heat map's cell for week `column` (0 = oldest) and day `row`."""
    return GRID_X + column * PITCH, GRID_Y + row * PITCH


def bar_box(column: int, value: int, most: int) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the streak chart's bar for week `column`."""
    height = 0 if most <= 0 else max(1 if value else 0, round(CHART_H * value / most))
    x = CHART_X + column * BAR_PITCH
    return x, CHART_Y + CHART_H - height, BAR_W, height


def draw_recap(figures: WeekFigures) -> Canvas:
    canvas = Canvas(WIDTH, HEIGHT, BACKGROUND)
    _heat_map(canvas, figures)
    _streak_chart(canvas, figures)
    return canvas


def recap_picture(figures: WeekFigures) -> Picture:
    return Picture(
        filename=picture_name(figures.last),
        data=draw_recap(figures).png(),
        width=WIDTH,
        height=HEIGHT,
        description="Answers per day over the last 12 weeks, and the team streak at the end of each week",
    )


def _heat_map(canvas: Canvas, figures: WeekFigures) -> None:
    draw_text(canvas, 16, 14, "ANSWERS PER DAY", INK, scale=2)
    draw_text(canvas, 16, 38, f"LAST {HEAT_WEEKS} WEEKS TO {figures.last:%d/%m}", MUTED)
    most = max((n or 0 for week in figures.heat for n in week), default=0)
    first_row_day = figures.last - timedelta(days=6)
    for row in range(7):
        label = _ROW_LABELS[(first_row_day + timedelta(days=row)).weekday()]
        draw_text(canvas, 16, GRID_Y + row * PITCH + (CELL - GLYPH_HEIGHT) // 2, label, MUTED)
    for column, week in enumerate(figures.heat):
        for row, answers in enumerate(week):
            level = heat_level(answers, most)
            x, y = cell_origin(column, row)
            canvas.fill(x, y, CELL, CELL, NO_POST if level < 0 else SHADES[level])
    legend_y = GRID_Y + 7 * PITCH + 8
    x = draw_text(canvas, GRID_X, legend_y + 4, "LESS", MUTED) + 4
    for colour in (NO_POST, *SHADES):
        canvas.fill(x, legend_y, CELL, CELL, colour)
        x += PITCH
    draw_text(canvas, x + 2, legend_y + 4, "MORE", MUTED)


def _streak_chart(canvas: Canvas, figures: WeekFigures) -> None:
    draw_text(canvas, CHART_X, 14, "TEAM STREAK", INK, scale=2)
    draw_text(canvas, CHART_X, 38, "AT THE END OF EACH WEEK", MUTED)
    values = figures.team_by_week
    most = max(values, default=0)
    axis_y = CHART_Y + CHART_H
    canvas.fill(CHART_X - 4, axis_y, len(values) * BAR_PITCH, 1, AXIS)
    for column, value in enumerate(values):
        x, y, w, h = bar_box(column, value, most)
        canvas.fill(x, y, w, h, BAR)
        number = str(value)
        draw_text(canvas, x + (w - text_width(number)) // 2, y - GLYPH_HEIGHT - 3, number, INK)
        week_end = figures.last - timedelta(days=7 * (len(values) - 1 - column))
        if (len(values) - 1 - column) % 2 == 0:  # every other week's date: they fit side by side
            label = f"{week_end.day}/{week_end.month}"
            draw_text(canvas, x + (w - text_width(label)) // 2, axis_y + 6, label, MUTED)
