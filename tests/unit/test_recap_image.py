"""The recap picture, drawn with Pillow: a PNG of the promised size (2x), the heat map and bars
where the figures put them, dates nobody misreads, the same bytes for the same figures; and
Pillow loaded only when a recap is drawn."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.core.daily.streaks import Streak
from bot.core.recap.rules import PostCount, WeekFigures, day_label, week_figures
from bot.core.shared.models import TeamStreak
from bot.render.recap_image import (
    BAR,
    HEIGHT,
    NO_POST,
    SCALE,
    SHADES,
    WIDTH,
    bar_box,
    cell_origin,
    draw_recap,
    labels,
    recap_picture,
)
from tests.conftest import clean_env

ROOT = Path(__file__).resolve().parents[2]


def _figures(last: date = date(2026, 3, 6)) -> WeekFigures:  # a Friday
    posts = [
        PostCount(last - timedelta(days=d), f"q{d}", True, answers)
        for d, answers in ((0, 4), (1, 2), (2, 0), (3, 1), (7, 4), (14, 3))
    ]
    return week_figures(last, posts, {"a": Streak(3, 3, 5)}, {"a": "Ana"}, TeamStreak(3, 3))


def test_the_recap_picture_is_a_2x_png_showing_the_heat_map_and_the_streak_bars() -> None:
    figures = _figures()
    picture = recap_picture(figures)
    assert (picture.width, picture.height) == (WIDTH, HEIGHT) == (1280, 480)
    assert picture.filename == "recap-2026-03-06.png"
    assert picture.data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(picture.data))
    image.load()
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)

    def centre_of_cell(column: int, row: int) -> tuple[int, int, int]:
        x, y = cell_origin(column, row)
        pixel = image.getpixel((x + 7 * SCALE, y + 7 * SCALE))
        assert isinstance(pixel, tuple)
        return pixel[0], pixel[1], pixel[2]

    # the last column is this week, Sat 28 Feb (row 0) to Fri 6 Mar (row 6)
    assert centre_of_cell(11, 6) == SHADES[4]  # Friday: 4 answers, the busiest day
    assert centre_of_cell(11, 5) == SHADES[2]  # Thursday: 2 of 4
    assert centre_of_cell(11, 4) == SHADES[0]  # Wednesday: a question nobody answered
    assert centre_of_cell(11, 0) == NO_POST  # Saturday: no question
    assert centre_of_cell(10, 6) == SHADES[4]  # last Friday: 4
    assert centre_of_cell(0, 6) == NO_POST  # twelve weeks ago: nothing yet
    assert figures.team_by_week[-3:] == (1, 2, 2)
    x, y, w, h = bar_box(11, 2, 2)
    assert h > 0 and image.getpixel((x + w // 2, y + h - 2)) == BAR
    # antialiased text: the title's pixels are more than two colours
    title = image.crop((16 * SCALE, 14 * SCALE, 200 * SCALE, 36 * SCALE))
    assert len(title.getcolors(maxcolors=100_000) or []) > 8


def test_the_dates_shown_are_day_and_month_name() -> None:
    shown = labels(_figures(date(2026, 12, 4)))
    assert "The last 12 weeks, to 4 Dec" in shown
    assert "4 Dec" in shown and "20 Nov" in shown and "6 Nov" in shown
    assert not any("/" in text for text in shown)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_a_day_label_names_its_month(day: date) -> None:
    assert day_label(day) == f"{day.day} {day.strftime('%b')}"  # the C locale's month names


def test_drawing_is_deterministic() -> None:
    figures = _figures()
    assert draw_recap(figures) == draw_recap(figures)


def test_running_a_day_never_loads_pillow() -> None:
    """Importing the bot and a whole day in the terminal channel on SQLite: Pillow stays
    unloaded, and so does the PostgreSQL driver (a run on SQLite never imports it)."""
    session = "\n".join(["/practice subscribe 03:00 UTC daily", "/practice post-now", "reply an answer",
                         "/practice reveal-now", "/streaks", ":quit"])  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", "run", "--database", ":memory:"],
        input=session + "\n", capture_output=True, text=True, timeout=60, cwd=ROOT, env=clean_env(), check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "== Model answer:" in result.stdout
    imported = [
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "import time:" in line
    ]
    assert "bot.core.daily.service" in imported
    assert not [name for name in imported if name == "PIL" or name.startswith("PIL.")]
    assert not [name for name in imported if name.split(".")[0] in ("asyncpg", "sqlalchemy")]
    assert "bot.storage.sqlite" in imported and "bot.storage.postgres" not in imported
