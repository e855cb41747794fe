"""Member suggestions in the terminal channel, as a real `practicebot run` subprocess: the form
asks for each field in turn (several lines end with a lone `.`, and keep their indentation), a
refused submission asks again with what was typed and each reason, the queue survives a restart,
a rejection is told privately; nothing typed reaches the terminal as a control character."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.test_terminal import quiet_hour, run_bot

__all__ = ["quiet_hour"]  # the fixture, used by name

FORM = [
    "intermediat",  # level: refused, with a hint
    "What is a \x1b[31mrace\x1b[0m condition?",
    "Two threads, one shared value.",
    ".",
    "Unsynchronised access; the outcome depends on timing.",
    "",
    "    counter += 1  # not atomic",
    ".",
    "- shared mutable state",
    "- non-atomic read-modify-write",
    ".",
]


def test_a_suggestion_is_typed_field_by_field_approved_into_the_own_pack_and_credited_when_posted(
    tmp_path: Path, quiet_hour: str
) -> None:
    db = tmp_path / "bot.sqlite3"
    first = run_bot(
        db,
        [
            ":user lead",
            f"/practice subscribe {quiet_hour} UTC daily",
            ":user ana",
            "/practice suggest",
            *FORM,
            # asked again, each field filled in with what was typed: Enter or . keeps it
            "intermediate",
            "",
            ".",
            ".",
            ".",
            "/practice suggest",
            "beginner",
            ":cancel",
            "/practice queue",
        ],
    )
    out = first.stdout
    assert first.returncode == 0, first.stderr
    assert "--- form: Suggest a question (only you can see this) ---" in out
    assert "[1/5] Level: beginner, intermediate or advanced (at most 20 characters)" in out
    assert "Not sent yet: Level 'intermediat' is not one of beginner, intermediate, advanced" in out
    assert "did you mean intermediate?" in out
    assert "  refused: Level 'intermediat'" in out
    assert "    What is a \\x1b[31mrace\\x1b[0m condition?" in out  # shown as typed, inert
    assert "\x1b[31m" not in out
    assert "Your suggestion is #1 in this channel's review queue" in out
    assert "Cancelled: nothing was sent." in out
    assert "#1 What is a [31mrace[0m condition?" in out  # kept without its control characters
    assert "by ana" in out and "#2" not in out

    second = run_bot(
        db,
        [
            ":user lead",
            "/practice queue",
            "/practice edit 1",
            "", "", ".", ".", ".",  # every field kept as ana wrote it: sending approves it
            ":user bo",
            "/practice suggest",
            "advanced", "Bo's question?", "s", ".", "a", ".", "k", ".",
            ":user lead",
            "/practice reject 2 too close to an existing one",
            "/practice queue",
        ],
    )  # fmt: skip
    out = second.stdout
    assert second.returncode == 0, second.stderr
    assert "#1 What is a [31mrace[0m condition?" in out  # the queue outlived the restart
    assert "--- form: Edit and approve #1 (only you can see this) ---" in out
    assert "        counter += 1  # not atomic" in out  # pre-filled, its indentation kept
    approved = re.search(r"Approved #1: .* joins this channel's own pack as (\S+), credited to ana\.", out)
    assert approved is not None, out
    assert (
        "--- private message to ana (only they can see this) ---\n== Your suggestion was approved ==" in out
    )
    assert (
        "--- private message to bo (only they can see this) ---\n== Your suggestion was not taken ==" in out
    )
    assert "Their reason: too close to an existing one" in out and "Rejected #2" in out
    assert out.rstrip().endswith(
        "No suggestions are waiting for review here. Members send them with /practice suggest."
    )

    third = run_bot(db, [f"/practice next {approved[1]}", "/practice post-now"])
    assert third.returncode == 0, third.stderr
    posted = third.stdout.split("--- new question in #practice ---")[1]
    assert "== What is a [31mrace[0m condition? ==" in posted and "Suggested by: ana" in posted


def test_the_configured_cap_holds_a_person_to_their_waiting_suggestions(
    tmp_path: Path, quiet_hour: str
) -> None:
    """`suggestion_cap = 1` in the config: a second suggestion while the first waits is refused
    before the form opens; once an admin decides the first, the person may send another."""
    config = tmp_path / "practicebot.toml"
    config.write_text("suggestion_cap = 1\n")
    one = ["beginner", "Why?", "Because.", ".", "It is so.", ".", "a point", "."]
    result = run_bot(
        tmp_path / "bot.sqlite3",
        [
            ":user lead",
            f"/practice subscribe {quiet_hour} UTC daily",
            ":user ana",
            "/practice suggest",
            *one,
            "/practice suggest",
            ":user lead",
            "/practice reject 1 not this one",
            ":user ana",
            "/practice suggest",
        ],
        env={"PRACTICEBOT_CONFIG": str(config)},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Your suggestion is #1 in this channel's review queue" in out
    assert "You have 1 suggestion waiting for review here, the most one person can." in out
    assert out.count("--- form: Suggest a question (only you can see this) ---") == 2  # not at the cap
