"""Buttons on both platforms: a self-check row of up to 25 buttons renders within Discord's 5 rows
of 5 and Slack's 25 elements per actions block, in order, each id once."""

from __future__ import annotations

import pytest

from bot.core.daily.messages import reveal
from bot.core.selfcheck import rules as selfcheck
from bot.core.shared.messages import Button, Message
from bot.core.shared.models import User
from bot.platforms.discord import render as discord_render
from bot.platforms.slack import render as slack_render
from tests.emulators.discord.validation import FormErrors, check_message
from tests.emulators.slack.validation import block_problems
from tests.unit.test_selfcheck import sample_question


def discord_rows(message: Message) -> list[list[str]]:
    """The custom ids of the last part's buttons, row by row, as discord.py sends them."""
    view = discord_render.render(message)[-1].view()
    assert view is not None
    rows = view.to_components()
    assert all(row["type"] == 1 for row in rows)  # action rows
    return [[c["custom_id"] for c in row["components"]] for row in rows]


def slack_actions(message: Message) -> list[list[str]]:
    blocks = [b for part in slack_render.render(message) for b in part.blocks]
    assert block_problems(blocks) == []  # slack_sdk's Block Kit models and Slack's limits
    return [[e["action_id"] for e in b["elements"]] for b in blocks if b["type"] == "actions"]


@pytest.mark.parametrize("points", [3, 5, 6])
def test_a_reveal_with_its_self_check_fits_both_platforms(points: int) -> None:
    question = sample_question(key_points=points)
    message = reveal(question, [User("1", "Ana")], [], selfcheck.buttons(7, points))
    ids = [f"pb:covered:7:{n}" for n in range(points + 1)] + ["pb:bookmark:p/beginner-01"]
    rows = discord_rows(message)
    assert [cid for row in rows for cid in row] == ids
    assert [len(row) for row in rows] == [len(ids[i : i + 5]) for i in range(0, len(ids), 5)]
    assert slack_actions(message) == [ids]


def test_twenty_five_buttons_fill_five_discord_rows_and_one_slack_block_and_no_more() -> None:
    message = Message(title="T", buttons=tuple(Button(f"b{n}", f"covered:1:{n}") for n in range(30)))
    rows = discord_rows(message)
    assert [len(row) for row in rows] == [5, 5, 5, 5, 5]  # Discord refuses a sixth row
    assert rows[4][-1] == "pb:covered:1:24"
    blocks = slack_actions(message)
    assert [len(b) for b in blocks] == [25, 5]  # Slack takes 25 elements per actions block
    assert blocks[1][-1] == "pb:covered:1:29"


def test_a_repeated_action_is_one_button_on_both_platforms() -> None:
    message = Message(
        body="x", buttons=(Button("a", "answer:q"), Button("again", "answer:q"), Button("b", "x:1"))
    )
    assert discord_rows(message) == [["pb:answer:q", "pb:x:1"]]
    assert slack_actions(message) == [["pb:answer:q", "pb:x:1"]]


def test_the_discord_emulator_refuses_a_sixth_row_and_a_repeated_id_and_takes_what_we_render() -> None:
    def problems(body: dict[str, object]) -> dict[str, object]:
        errors = FormErrors()
        check_message(body, errors)
        return errors.tree

    row = {"type": 1, "components": [{"type": 2, "style": 2, "label": "x", "custom_id": "pb:x:1"}]}
    assert "components" in problems({"components": [row] * 6})
    assert problems({"components": [row]}) == {}
    assert "components" in problems({"components": [row, row]})  # the same custom id twice
    many = Message(title="T", buttons=tuple(Button(f"b{n}", f"covered:1:{n}") for n in range(30)))
    view = discord_render.render(many)[-1].view()
    assert view is not None
    assert problems({"components": view.to_components()}) == {}
