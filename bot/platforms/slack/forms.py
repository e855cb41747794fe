"""Neutral forms -> Slack modals, and their submissions back. Pure: no I/O.

A form opens with `views.open` (the button's trigger_id, valid 3 s). Its `callback_id` is the
form's action with the `pb:` prefix; `private_metadata` carries the channel it was opened from
(a view_submission names no channel). Limits: modal title, submit and close 24 characters,
private_metadata 3,000, input label 2,000; plain_text_input's max_length at most 3,000.
"""

from __future__ import annotations

import json
from typing import Any

from bot.core.shared.messages import Form
from bot.platforms.slack.render import ACTION_PREFIX, action_of, plain_text

TITLE_MAX = 24
INPUT_MAX = 3000
ANSWER_BLOCK = "answer"  # block_id and action_id of the text input

View = dict[str, Any]


def _plain(text: str, limit: int) -> dict[str, str]:
    return {"type": "plain_text", "text": plain_text(text, limit)}


def form_view(form: Form, team_id: str, channel_id: str) -> View:
    return {
        "type": "modal",
        "callback_id": ACTION_PREFIX + form.action,
        "title": _plain(form.title, TITLE_MAX),
        "submit": _plain("Save answer", TITLE_MAX),
        "close": _plain("Cancel", TITLE_MAX),
        "private_metadata": json.dumps({"team": team_id, "channel": channel_id}),
        "blocks": [
            {
                "type": "input",
                "block_id": ANSWER_BLOCK,
                "label": _plain(form.label, 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER_BLOCK,
                    "multiline": True,
                    "max_length": min(form.max_length, INPUT_MAX),
                    **({"initial_value": form.value[:INPUT_MAX]} if form.value else {}),
                },
            }
        ],
    }


def done_view(title: str, text: str) -> View:
    """What the modal turns into after a submission (response_action: update)."""
    return {
        "type": "modal",
        "title": _plain(title, TITLE_MAX),
        "close": _plain("Close", TITLE_MAX),
        "blocks": [{"type": "section", "text": _plain(text, 3000)}],
    }


def submission(view: View) -> tuple[str, str, str, str] | None:
    """(action, team, channel, text) of a submitted form view; None if it is not one of ours."""
    action = action_of(str(view.get("callback_id") or ""))
    if action is None:
        return None
    try:
        where = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    values = ((view.get("state") or {}).get("values") or {}).get(ANSWER_BLOCK) or {}
    text = str((values.get(ANSWER_BLOCK) or {}).get("value") or "")
    return action, str(where.get("team", "")), str(where.get("channel", "")), text
