"""The pure rules of member suggestions: what a draft may be (every problem named at once), the
grammar of the review commands (junk refused clearly), and the text paths over anything a person
can type (any Unicode, control characters, absurd lengths): the draft is kept clean, the form
renders within every platform's limits, and what is shown of it is inert on Discord and Slack."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.catalog.ports import Draft
from bot.core.commands.grammar import CommandError, Practice, parse
from bot.core.daily.messages import question_post, revealed_post
from bot.core.shared.errors import NotAllowed
from bot.core.shared.messages import _MARKDOWN_SPECIAL, Form, FormField
from bot.core.shared.models import User
from bot.core.suggest import rules
from bot.packs.library import StoredPackFiles
from bot.platforms.discord.render import modal, submitted_values
from bot.platforms.slack.forms import errors, form_view, submission
from tests.emulators.discord.validation import DEFAULT_OPENAPI, BodyValidator
from tests.emulators.slack.validation import block_problems, check_view_model
from tests.unit.test_render_properties import NAME, TYPED, _discord_texts, _slack_shown
from tests.unit.test_selfcheck import sample_question

GOOD = {
    "level": " Advanced ",
    "title": "What  is\nbackpressure?",
    "summary": "A slow consumer slows the producer.",
    "answer": "Bounded queues.\r\n\r\n```python\ncode\n```",
    "key_points": "  - bounded buffers\n\n2) credit-based flow\n",
}
WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FENCED = st.sampled_from(["```\ncode\n```", "```python\nx", "x\n~~~\ny", "```py\nok\n```"]).map(
    lambda fence: f"Before.\n{fence}\nAfter."
)
FIELD_TEXT = st.one_of(TYPED, st.text(st.characters(codec="utf-8"), max_size=300), st.just(""))


def test_a_good_draft_is_kept_clean() -> None:
    draft = rules.check_draft(GOOD)
    assert draft == Draft(
        level="advanced",
        title="What is backpressure?",  # one line
        summary="A slow consumer slows the producer.",
        answer="Bounded queues.\n\n```python\ncode\n```",
        key_points=("bounded buffers", "credit-based flow"),  # bullets and blank lines dropped
    )
    assert rules.check_draft(rules.values_of(draft)) == draft  # an admin's edit starts from it


def test_every_refused_field_is_named_at_once() -> None:
    with pytest.raises(rules.DraftError) as refused:
        rules.check_draft({"level": "", "answer": "x" * 2501, "key_points": "p\n" + "y" * 301})
    assert refused.value.problems == {
        "level": "Level is empty: write beginner, intermediate, advanced.",
        "title": "The question is empty.",
        "summary": "The summary is empty.",
        "answer": "The model answer is 2501 characters; at most 2500.",
        "key_points": "Key point 2 is over 300 characters: shorten it.",
    }
    assert refused.value.message.startswith("Level is empty")
    with pytest.raises(rules.DraftError, match="'expert' is not one of"):
        rules.check_draft({**GOOD, "level": "expert"})
    with pytest.raises(rules.DraftError, match="at least one"):
        rules.check_draft({**GOOD, "key_points": " \n - \n"})
    with pytest.raises(rules.DraftError) as fenced:  # the pack's rule, told to the member, not the admin
        rules.check_draft({**GOOD, "answer": "Like so:\n```\nx = 1\n```\n\n```js\nopen()"})
    assert fenced.value.problems == {
        "answer": "The model answer, line 2: a code block must name its language (```python, ```js ...); "
        "line 6: this code block is never closed."
    }


@settings(max_examples=200, deadline=None)
@given(
    values=st.dictionaries(st.sampled_from(["level", "title", "summary", "answer", "key_points"]), FIELD_TEXT)
)
def test_any_submission_is_a_clean_draft_or_named_problems(values: dict[str, str]) -> None:
    try:
        draft = rules.check_draft(values)
    except rules.DraftError as exc:
        assert exc.problems and set(exc.problems) <= {"level", "title", "summary", "answer", "key_points"}
        return
    kept = [draft.title, draft.summary, draft.answer, *draft.key_points]
    assert all(text == text.strip() and text for text in kept)
    assert not any(ch in text for text in kept for ch in "\x00\x1b\r\u202e\u2028")
    assert "\n" not in draft.title and all("\n" not in point for point in draft.key_points)
    assert len(draft.title) <= 150 and len(draft.summary) <= 280 and len(draft.answer) <= 2500
    assert 1 <= len(draft.key_points) <= 6 and all(len(p) <= 300 for p in draft.key_points)


def _suggestion(title: str, body: str, name: str) -> rules.Suggestion:
    draft = Draft("beginner", title, body[:280], body, (title, body[:300]))
    return rules.Suggestion(4, 1, User("U0123", name), draft, "pending", WHEN)


@settings(max_examples=100, deadline=None)
@given(
    values=st.fixed_dictionaries(
        {
            name: st.one_of(st.just(text), FIELD_TEXT, *[FENCED] * (name == "answer"))
            for name, text in GOOD.items()
        }
    ),
    name=NAME,
)
@example(values={**GOOD, "answer": "Like so:\n```\nx = 1\n```"}, name="Ana")
def test_a_suggestion_the_form_takes_is_one_the_own_pack_takes(values: dict[str, str], name: str) -> None:
    """What a member is thanked for can be approved as it is: the pack (the real importer and
    loader) never refuses a draft the form took, so no admin has to fix it first."""
    try:
        draft = rules.check_draft(values)
    except rules.DraftError:
        return
    author = rules.author(User("u1", name))
    added = asyncio.run(
        StoredPackFiles().add_draft(None, "own-discord-1234567890123456789", draft, author.name)
    )
    [question] = added.pack.questions
    assert (question.title, question.body, question.key_points) == (
        draft.title,
        draft.answer,
        draft.key_points,
    )


@settings(max_examples=80, deadline=None)
@given(title=TYPED, body=TYPED, name=NAME)
def test_what_is_shown_of_a_suggestion_is_inert_and_fits(title: str, body: str, name: str) -> None:
    suggestion = _suggestion(title, body, name)
    values = {"title": title, "answer": body, "key_points": body}
    messages = [
        rules.queue([suggestion]),
        rules.preview(suggestion),
        rules.told_approved(suggestion),
        rules.told_rejected(suggestion, body),
        *rules.refused("suggest:new", rules.NEW_TITLE, values, {"title": "too long"}).messages,
    ]
    for message in messages:
        shown, notifications = _slack_shown(message)
        for seen in (shown, *notifications):
            assert seen.mentions == [] and seen.links == []
        _discord_texts(message)


@settings(max_examples=80, deadline=None)
@given(
    values=st.dictionaries(st.sampled_from(["level", "title", "summary", "answer", "key_points"]), FIELD_TEXT)
)
def test_the_form_renders_within_discord_and_slack_limits_with_anything_pre_filled(
    values: dict[str, str],
) -> None:
    form = rules.form("suggest-edit:12", rules.edit_title(123456789), values, {"level": "x" * 500})
    shown = modal(form)
    assert shown is not None
    body = {"type": 9, "data": shown.to_dict()}
    BodyValidator(DEFAULT_OPENAPI).check(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback", body
    )
    view = form_view(form, "T1", "C1")
    assert check_view_model(view) == [] and block_problems(view["blocks"], surface="modal") == []
    assert set(errors(form)) == {"level"}


def test_the_edit_forms_title_names_the_suggestion_within_slacks_24_characters() -> None:
    suggestion = rules.Suggestion(123456, 1, User("u1", "Ana"), rules.check_draft(GOOD), "pending", WHEN)
    form = rules.open_edit(suggestion).form
    assert form is not None
    for title in (form_view(form, "T1", "C1")["title"]["text"], modal(form).title):  # type: ignore[union-attr]
        assert "#123456" in title, title


def test_the_forms_submissions_read_back_by_field_name() -> None:
    form = rules.form(rules.new_action(), rules.NEW_TITLE)
    view = form_view(form, "T1", "C1")
    view["state"] = {
        "values": {
            "title": {"title": {"type": "plain_text_input", "value": "Q?"}},
            "level": {"level": {"value": None}},
        }
    }
    assert submission(view) == ("suggest:new", "T1", "C1", {"title": "Q?", "level": ""})
    labels = [
        {"type": 18, "component": {"type": 4, "custom_id": name, "value": name.upper()}} for name in GOOD
    ]
    assert submitted_values(labels) == {name: name.upper() for name in GOOD}
    assert [b["element"]["multiline"] for b in view["blocks"]] == [False, False, True, True, True]


def test_a_form_every_platform_can_show_or_a_bug() -> None:
    box = FormField("a", "A")
    with pytest.raises(ValueError, match="1 to 5 fields"):
        Form("t", "x:1", tuple(FormField(str(i), "L") for i in range(6)))
    with pytest.raises(ValueError, match="distinct"):
        Form("t", "x:1", (box, box))
    with pytest.raises(ValueError, match="label at most 45"):
        Form("t", "x:1", (FormField("a", "L" * 46),))
    with pytest.raises(ValueError, match="too long"):
        Form("t" * 46, "x:1", (box,))


@pytest.mark.parametrize(
    ("line", "refusal"),
    [
        ("approve", "give the suggestion's number"),
        ("approve three", "'three' is not a suggestion number"),
        ("approve 0", "'0' is not a suggestion number"),
        ("edit 12345678901", "is not a suggestion number"),
        ("approve 3 now", "takes only the number"),
        ("reject 3", "say why"),
        ("queue all", "takes no arguments"),
    ],
)
def test_review_commands_refuse_junk_clearly(line: str, refusal: str) -> None:
    with pytest.raises(CommandError, match=refusal):
        parse("practice", line)


def test_review_commands_parse_and_only_suggest_is_for_everyone() -> None:
    assert parse("practice", "approve #7") == Practice("approve", suggestion=7)
    assert parse("practice", "reject 7 too close  to #3") == Practice(
        "reject", suggestion=7, reason="too close to #3"
    )
    assert parse("practice", "suggest", admin=False) == Practice("suggest")
    for line in ("queue", "approve 1", "edit 1", "reject 1 no"):
        with pytest.raises(NotAllowed, match="for channel admins"):
            parse("practice", line, admin=False)


def test_a_rejection_reason_is_one_clean_line_of_at_most_400() -> None:
    assert rules.check_reason(" dup\x00licate\u202e  of #3 ") == "duplicate of #3"
    with pytest.raises(Exception, match="at most 400"):
        rules.check_reason("x" * 401)


@settings(max_examples=60, deadline=None)
@given(name=NAME.filter(bool))
def test_a_suggested_question_is_posted_with_its_authors_name_never_a_ping(name: str) -> None:
    plain_question = sample_question(key_points=2)
    credited = dataclasses.replace(plain_question, suggested_by=name)
    for message in (question_post(credited, 10, WHEN), revealed_post(credited, 10, 2)):
        [credit] = [f for f in message.fields if f.name == "Suggested by"]
        assert credit.value == _MARKDOWN_SPECIAL.sub(r"\\\1", name)  # inert
        shown, notifications = _slack_shown(message)
        assert shown.mentions == [] and all(n.mentions == [] for n in notifications)
        _discord_texts(message)
    assert all(f.name != "Suggested by" for f in question_post(plain_question, 10, WHEN).fields)
