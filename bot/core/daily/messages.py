"""The daily cycle's wording: the question post, its reveal, the /question card, the board.
The message types and the helpers every feature words with are in bot/core/shared/messages.py."""

from __future__ import annotations

from datetime import datetime

from bot.core.shared.messages import (
    LEVEL_NAMES,
    Button,
    Field,
    Message,
    level_line,
    moment,
    person,
    plain,
    plural,
)
from bot.core.shared.models import Accuracy, Board, Failure, Question, StreakRow, User

ANSWER_IN_THREAD = "Answer in the thread under this message."


def question_post(
    question: Question, level_size: int, reveal_at: datetime | None, how_to_answer: str = ANSWER_IN_THREAD
) -> Message:
    reveal = "The model answer appears in the thread before the next question."
    if reveal_at is not None:
        reveal = f"The model answer appears in the thread {moment(reveal_at)} ({moment(reveal_at, 'R')})."
    return Message(
        title=question.title,
        body=f"{how_to_answer} {reveal}",
        fields=post_fields(question, level_size),
        buttons=(bookmark_button(question),),
        footer=question.id,
        tags=(LEVEL_NAMES[question.level],),
    )


def post_fields(question: Question, level_size: int) -> tuple[Field, ...]:
    """The daily post's level and pack, and who suggested the question (a name, never a ping)."""
    fields = (
        Field("Level", level_line(question, level_size)),
        Field("Pack", question.pack_name or question.pack),
    )
    if question.suggested_by:
        return (*fields, Field("Suggested by", plain(question.suggested_by)))
    return fields


def revealed_post(question: Question, level_size: int, answer_count: int) -> Message:
    people = {0: "Nobody", 1: "1 person"}.get(answer_count, f"{answer_count} people")
    return Message(
        title=question.title,
        body=f"Revealed: the model answer is in the thread. {people} answered in time.",
        fields=post_fields(question, level_size),
        buttons=(bookmark_button(question),),
        footer=question.id,
    )


def reveal(
    question: Question, answered: list[User], late: list[User], buttons: tuple[Button, ...] = ()
) -> Message:
    """The model answer in the thread; `buttons`: the self-check, one per count of key points."""
    fields = [
        Field("Key points", "\n".join(f"- [ ] {p}" for p in question.key_points)),
        Field("Follow-up questions", "\n".join(f"- {f}" for f in question.follow_ups)),
        Field("References", "\n".join(f"- {r}" for r in question.references)),
        Field(
            "Answered in time",
            ", ".join(person(u) for u in answered) if answered else "nobody this time",
        ),
    ]
    if late:
        fields.append(Field("Answered late", ", ".join(person(u) for u in late)))
    if buttons:
        fields.append(Field("Self-check", SELF_CHECK_HINT))
    return Message(
        title=f"Model answer: {question.title}",
        body=question.body,
        fields=tuple(fields),
        buttons=(*buttons, bookmark_button(question)),
    )


def failure_line(failure: Failure) -> str:
    """An item given up, for admins: what, when, after how many tries, and why."""
    tries = "1 try" if failure.tries == 1 else f"{failure.tries} tries"
    return f"{failure.item} on {failure.at:%Y-%m-%d %H:%M} UTC after {tries}: {failure.reason}"


QUESTION_REMOVED = "The question message was removed from this channel; here is its model answer."

SELF_CHECK_HINT = (
    "Answered this one? Mark how many of the key points your answer covered "
    "(mark again to change it); it adds to your accuracy on /streaks."
)


def question_card(question: Question, level_size: int) -> Message:
    return Message(
        title=question.title,
        body="Think it through, then look.",
        fields=(Field("Level", level_line(question, level_size)),),
        buttons=(Button("Show answer", f"answer:{question.id}"), bookmark_button(question)),
        footer=question.id,
    )


def answer_card(question: Question) -> Message:
    return Message(
        title=f"Model answer: {question.title}",
        body=question.body,
        fields=(
            Field("In short", question.summary),
            Field("Key points", "\n".join(f"- {p}" for p in question.key_points)),
            Field("References", "\n".join(f"- {r}" for r in question.references)),
        ),
        buttons=(bookmark_button(question),),
        footer=question.id,
    )


def bookmark_button(question: Question) -> Button:
    """On every card and post of a question: keeps it for /review."""
    return Button("Bookmark", f"bookmark:{question.id}")


BOARD_ROWS = 20  # people shown on /streaks; the rest are counted


def board(result: Board, *, limit: int = BOARD_ROWS) -> Message:
    later = result.season > 1  # from season 2 on, best ever (across seasons) beside this season's
    best = f"best {result.team.best}" + (f", best ever {result.team_best_ever}" if later else "")
    team = f"Team streak: {result.team.current} ({best})"
    season = _season(result)
    if not result.rows:
        if result.private:
            private = f"Nobody on the board yet, beside {_private(result.private)}."
            return Message(title="Streaks", body=f"{private} {team}.", footer=season)
        empty = "No answers yet this season." if later else "No answers yet."
        return Message(title="Streaks", body=f"{empty} {team}.", footer=season)
    lines = [
        f"{rank}. {plain(row.user.name)} - {_counts(row, later)}"
        for rank, row in enumerate(result.rows[:limit], start=1)
    ]
    people = len(result.rows) if result.people is None else result.people
    if people > limit:
        lines.append(f"... and {people - limit} more")
    if result.private:
        lines.append(f"... and {_private(result.private)}")
    return Message(
        title="Streaks",
        body="\n".join(lines),
        footer=f"{team} · {plural(result.closed_posts, 'post')} closed · {season}",
    )


def my_streak(result: Board, user: User, hidden: bool = False) -> Message:
    """`/streaks me`; `hidden`: the person keeps their row off the board, which it says."""
    mine = next((r for r in result.rows if r.user.id == user.id), None)
    later = result.season > 1
    note = f"\n{HIDDEN_NOTE}" if hidden else ""
    if mine is None:
        past = result.past_best.get(user.id, 0)
        if later and past:
            kept = result.accuracy.get(user.id)
            accuracy = f" Accuracy {kept.percent}%{_checked(kept)}, kept across seasons." if kept else ""
            return Message(
                title="Your streak",
                body=f"No answers this season yet; your best ever here is {past}.{accuracy}{note}",
                footer=_season(result),
            )
        return Message(title="Your streak", body=f"You have not answered a question here yet.{note}")
    body = _counts(mine, later) + (_checked(mine.accuracy) if mine.accuracy else "") + note
    return Message(title="Your streak", body=body, footer=_season(result) if later else "")


HIDDEN_NOTE = (
    "Your row is hidden from this channel's board; your streak counts as always. /streaks show puts it back."
)


def _private(count: int) -> str:
    """`1 person who keeps their streak private`, `2 people who keep ...`: how many, never who."""
    return (
        "1 person who keeps their streak private"
        if count == 1
        else f"{count} people who keep their streak private"
    )


def _checked(accuracy: Accuracy) -> str:
    points, checks = plural(accuracy.total, "key point"), plural(accuracy.checks, "self-check")
    return f" ({accuracy.covered} of {points} over {checks})"


def _season(result: Board) -> str:
    since = f" since {result.season_since}" if result.season_since else ""
    return f"Season {result.season}{since}"


def _counts(row: StreakRow, best_ever: bool = False) -> str:
    """A board line's numbers, also `/streaks me`: the freezes held only when there are any; best
    ever across seasons once there is more than one; the accuracy only for people who marked a
    self-check."""
    counts = f"current {row.current}, best {row.best}, total {row.total}"
    if row.freezes:
        counts = f"{counts}, {plural(row.freezes, 'freeze')} held"
    if best_ever:
        counts = f"{counts}, best ever {max(row.best_ever, row.best)}"
    return f"{counts}, accuracy {row.accuracy.percent}%" if row.accuracy is not None else counts


# ---------------------------------------------------------------- splitting
