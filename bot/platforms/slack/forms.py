"""Neutral forms -> Slack modals, and their submissions back. Pure: no I/O.

A form opens with `views.open` (the trigger_id of the button press or slash command, valid 3 s).
Its `callback_id` is the form's action with the `pb:` prefix; `private_metadata` carries the
channel it was opened from (a view_submission names no channel). Limits: modal title, submit and
close 24 characters, private_metadata 3,000, input label 2,000; plain_text_input's max_length at
most 3,000. A refused submission is answered within the 3 s with `response_action: errors`, a
reason per input block.
"""

from __future__ import annotations

import json
from typing import Any

from bot.core.shared.messages import Form, FormField
from bot.platforms.slack.render import ACTION_PREFIX, action_of, plain_text

TITLE_MAX = 24
INPUT_MAX = 3000
LABEL_MAX = 2000
ERROR_MAX = 2000

View = dict[str, Any]


def _plain(text: str, limit: int) -> dict[str, str]:
    return {"type": "plain_text", "text": plain_text(text, limit)}


def form_view(form: Form, team_id: str, channel_id: str) -> View:
    """An input block per field, its block_id and action_id the field's name."""
    return {
        "type": "modal",
        "callback_id": ACTION_PREFIX + form.action,
        "title": _plain(form.title, TITLE_MAX),
        "submit": _plain(form.submit, TITLE_MAX),
        "close": _plain("Cancel", TITLE_MAX),
        "private_metadata": json.dumps({"team": team_id, "channel": channel_id}),
        "blocks": [_input(field) for field in form.fields],
    }


def _input(field: FormField) -> dict[str, Any]:
    most = min(field.max_length, INPUT_MAX)
    return {
        "type": "input",
        "block_id": field.name,
        "label": _plain(field.label, LABEL_MAX),
        "optional": not field.required,
        "element": {
            "type": "plain_text_input",
            "action_id": field.name,
            "multiline": field.multiline,
            "max_length": most,
            **({"initial_value": field.value[:most]} if field.value else {}),
        },
    }


def errors(form: Form) -> dict[str, str]:
    """A refused form's reasons for `response_action: errors`, by block: each field's own, or
    the form's reason on its first field when no field has one."""
    found = {f.name: plain_text(f.error, ERROR_MAX) for f in form.fields if f.error}
    return found or {form.fields[0].name: plain_text(form.error or "Not saved: try again.", ERROR_MAX)}


def done_view(title: str, text: str) -> View:
    """What the modal turns into after a submission (response_action: update)."""
    return {
        "type": "modal",
        "title": _plain(title, TITLE_MAX),
        "close": _plain("Close", TITLE_MAX),
        "blocks": [{"type": "section", "text": _plain(text, 3000)}],
    }


def submission(view: View) -> tuple[str, str, str, dict[str, str]] | None:
    """(action, team, channel, values by field name) of a submitted form view; None if it is
    not one of ours. An input left empty arrives with a null value: it counts as empty."""
    action = action_of(str(view.get("callback_id") or ""))
    if action is None:
        return None
    try:
        where = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    state = (view.get("state") or {}).get("values") or {}
    values = {
        block: str((inputs.get(block) or {}).get("value") or "")
        for block, inputs in state.items()
        if isinstance(inputs, dict)
    }
    return action, str(where.get("team", "")), str(where.get("channel", "")), values
