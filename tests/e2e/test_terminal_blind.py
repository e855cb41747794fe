"""Blind answers in the terminal channel, as a real `practicebot run` subprocess: `reply TEXT` on
a blind post is kept hidden, a restart loses nothing, the reveal publishes the answers once."""

from __future__ import annotations

from pathlib import Path

from bot.core.blind import rules as blind
from tests.e2e.test_terminal import quiet_hour, run_bot

__all__ = ["quiet_hour"]  # the fixture, used by name


def test_blind_answers_in_the_terminal_channel_survive_a_restart_and_appear_once(
    tmp_path: Path, quiet_hour: str
) -> None:
    db = tmp_path / "bot.sqlite3"
    first = run_bot(
        db,
        [
            ":user ana",
            f"/practice subscribe {quiet_hour} UTC daily answers=blind",
            "/practice status",
            "/practice post-now",
            ":press blind:1",
            "reply ana's hidden answer: frames are masked",
            ":user bo",
            "reply " + "x" * (blind.MAX_ANSWER + 1),
            "reply bo's hidden draft",
            "reply bo's hidden final answer",
        ],
    )
    out = first.stdout
    assert first.returncode == 0, first.stderr
    assert "Answers: blind" in out
    assert "press Answer to write yours privately; it stays hidden until the reveal" in out
    assert "] Answer" in out
    assert "Type `reply YOUR ANSWER` to answer; it stays hidden until the reveal." in out
    assert out.count(blind.SAVED) == 2  # ana first, bo first; bo again: blind.REPLACED
    assert f"answers take at most {blind.MAX_ANSWER}" in out
    assert "Your new answer replaces your earlier one" in out
    assert "hidden" not in out.replace("stays hidden", "").replace("(hidden until", "")  # no text echoed
    assert "[thread]" not in out

    second = run_bot(db, [":user lead", "/practice reveal-now", "/streaks", ":press blind:1"])
    out = second.stdout
    assert second.returncode == 0, second.stderr
    before, after = out.split("== Everyone's answers: What is WebSocket? ==")
    assert "ana's hidden answer" not in before
    assert "ana answered:\nana's hidden answer: frames are masked" in after
    assert "bo answered:\nbo's hidden final answer" in after
    assert "bo's hidden draft" not in out
    assert after.index("bo's hidden final") < after.index("== Model answer: What is WebSocket? ==")
    assert "Answered in time: ana, bo" in after
    assert "1. ana - current 1, best 1, total 1\n2. bo - current 1, best 1, total 1" in after
    assert blind.CLOSED in after

    third = run_bot(db, ["/streaks"])
    assert third.stdout.count("Everyone's answers") == 0  # published once, not again at start-up
