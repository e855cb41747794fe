"""The pure rules of blind answers: the subscribe option, what an answer may be, and how the
answers are published (names without notifying anyone, texts inert)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.blind import rules as blind
from bot.core.commands.grammar import CommandError, parse
from bot.core.shared.messages import _MARKDOWN_SPECIAL
from bot.core.shared.models import User
from bot.platforms.discord.render import modal, submitted_values
from bot.platforms.slack.forms import form_view, submission
from tests.emulators.slack.validation import check_view_model
from tests.unit.test_selfcheck import sample_question

QUESTION = sample_question(key_points=3)


def test_answers_is_a_subscribe_option_by_key_or_by_its_word() -> None:
    assert parse("practice", "subscribe answers=blind").subscribe.blind is True  # type: ignore[union-attr]
    assert parse("practice", "subscribe 09:00 open").subscribe.blind is False  # type: ignore[union-attr]
    assert parse("practice", "subscribe 09:00").subscribe.blind is None  # type: ignore[union-attr]
    with pytest.raises(CommandError, match="unknown answers mode 'hidden': choose blind or open"):
        parse("practice", "subscribe answers=hidden")
    with pytest.raises(CommandError, match="answers is given twice"):
        parse("practice", "subscribe blind answers=open")


@given(st.text(max_size=blind.MAX_ANSWER + 50))
def test_an_answer_is_kept_stripped_or_refused_with_a_reason(text: str) -> None:
    stripped = text.strip()
    if not stripped or len(stripped) > blind.MAX_ANSWER:
        with pytest.raises(blind.AnswersError, match="Nothing was saved"):
            blind.check_answer(text)
    else:
        assert blind.check_answer(text) == stripped


@given(st.lists(st.tuples(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=200)), max_size=5))
def test_published_answers_carry_every_text_inert(pairs: list[tuple[str, str]]) -> None:
    answers = [(User(f"u{i}", name), body) for i, (name, body) in enumerate(pairs)]
    message = blind.answers_message(QUESTION, answers)
    for index, (_, body) in enumerate(pairs):
        escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", body)
        assert escaped in message.body
        assert f"<u:u{index}|" in message.body  # a name, never a raw mention


def test_the_form_title_fits_discord() -> None:
    long = dataclasses.replace(QUESTION, title="How do WebSockets differ from long polling in practice?")
    response = blind.form(long, 7, "draft")
    assert response.form is not None
    assert len(response.form.title) <= blind.FORM_TITLE_MAX and response.form.fields[0].value == "draft"
    assert "reply YOUR ANSWER" in response.messages[0].body


def test_the_slack_modal_passes_slack_sdks_view_model_and_its_submission_reads_back() -> None:
    response = blind.form(QUESTION, 7, "draft")
    assert response.form is not None
    view = form_view(response.form, "T1", "C1")
    assert check_view_model(view) == []
    view["state"] = {"values": {"answer": {"answer": {"type": "plain_text_input", "value": "mine"}}}}
    assert submission(view) == ("blind:7", "T1", "C1", {"answer": "mine"})
    assert submission({"callback_id": "someone-else"}) is None


def test_the_discord_modal_reads_its_text_from_action_rows_or_labels() -> None:
    response = blind.form(QUESTION, 7, "draft")
    assert response.form is not None
    shown = modal(response.form)
    assert shown is not None and shown.custom_id == "pb:blind:7" and len(shown.title) <= 45
    row = [{"type": 1, "components": [{"type": 4, "custom_id": "answer", "value": "in a row"}]}]
    label = [{"type": 18, "component": {"type": 4, "custom_id": "answer", "value": "in a label"}}]
    assert submitted_values(row) == {"answer": "in a row"}
    assert submitted_values(label) == {"answer": "in a label"}
    assert submitted_values([]) == {}
