"""Self-check at reveal: each person who answered a post marks how many of its key points their
answer covered. Pure rules: the buttons, reading a press, the review grade a mark earns, and
the board's accuracy.

Accuracy is covered over total summed across a person's self-checks in one channel, not the mean
of per-post percentages: a 6-point question weighs more than a 3-point one, as it should. It is
rounded down, so 100% means every key point of every self-checked answer, never "nearly".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.review.cards import Grade
from bot.core.shared.errors import UserError, shown
from bot.core.shared.ids import row_id
from bot.core.shared.messages import Button
from bot.core.shared.models import Accuracy, StreakRow

VERB = "covered"  # the action "covered:<post id>:<n>"
BUTTONS_MAX = 25  # Discord: 5 rows of 5; Slack: 25 elements in one actions block


@dataclass(frozen=True, slots=True)
class Mark:
    """A press of a self-check button, read but not yet checked against the post."""

    post_id: int
    covered: int


def buttons(post_id: int, total: int) -> tuple[Button, ...]:
    """One button per count, 0..total ("3 of 5"). A pack question has 3-6 key points, so 7 at
    most; past what a platform can show in one message the buttons would be cut, so refuse."""
    if not 0 < total < BUTTONS_MAX:
        raise ValueError(f"{total} key points cannot be self-checked with one button per count")
    return tuple(Button(f"{n} of {total}", f"{VERB}:{post_id}:{n}") for n in range(total + 1))


def parse(argument: str) -> Mark:
    """`<post id>:<n>` from a button's action; junk gets an answer that says what was wrong."""
    post, sep, count = argument.partition(":")
    post_id = row_id(post)
    if not sep or post_id is None:
        raise UserError(f"That self-check button is not one practicebot made ('{shown(argument)}').")
    if not re.fullmatch(r"-?[0-9]{1,18}", count):  # a bigger number is junk, and no SQLite INTEGER
        raise UserError(f"'{shown(count)}' is not a number of key points: use a whole number from 0.")
    covered = int(count)
    if covered < 0:
        raise UserError(f"{covered} key points is negative: a self-check counts from 0.")
    return Mark(post_id, covered)


def grade(covered: int, total: int) -> Grade:
    """The review grade a self-check earns (SM-2 quality, see bot/core/review/cards.py).

    Under half the key points: AGAIN, the answer missed the core and the card starts over.
    Half or more, under three quarters: HARD, a pass that was shaky. Three quarters or more but
    not all: GOOD, the answer stood with a point or so missing. All of them: EASY. For the pack's
    5-point questions: 0-2 again, 3 hard, 4 good, 5 easy; for 6 points: 0-2, 3-4, 5, 6."""
    if total <= 0 or not 0 <= covered <= total:
        raise ValueError(f"a self-check covers 0..{total} key points, not {covered}")
    if 2 * covered < total:
        return Grade.AGAIN
    if covered == total:
        return Grade.EASY
    return Grade.GOOD if 4 * covered >= 3 * total else Grade.HARD


def tally(marks: Iterable[tuple[int, int]]) -> Accuracy:
    """The accuracy of some self-checks, each (covered, total), from scratch."""
    covered = total = checks = 0
    for c, t in marks:
        covered, total, checks = covered + c, total + t, checks + 1
    return Accuracy(covered, total, checks)


def with_accuracy(rows: Iterable[StreakRow], accuracy: Mapping[str, Accuracy]) -> tuple[StreakRow, ...]:
    """Board rows with each person's accuracy, for those who have marked at least one."""
    return tuple(
        dataclasses.replace(row, accuracy=found) if (found := accuracy.get(row.user.id)) else row
        for row in rows
    )
