"""What Slack refuses: Block Kit checked with slack_sdk.models.blocks plus the limits it misses,
message metadata, and the argument decoding Slack does for form-encoded bodies."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from .workspace import ApiError, Json

MAX_TEXT = 40_000
MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
SECTION_TEXT = 3_000
HEADER_TEXT = 150
BUTTON_TEXT = 75
ID_LENGTH = 255  # action_id and block_id
BUTTON_VALUE = 2_000


def decode_json_arg(value: Any, *, error: str) -> Any:
    """Form-encoded bodies carry blocks, metadata and views as JSON strings; JSON bodies as objects."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(error) from None
    return value


def truthy(value: Any) -> bool:
    return value in (True, 1) or str(value).lower() in ("1", "true")


def _text_of(obj: Any) -> tuple[str | None, str]:
    if isinstance(obj, dict):
        return obj.get("type"), str(obj.get("text", ""))
    return None, str(obj or "")


def _element_problems(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where} must be an object"]
    problems: list[str] = []
    action_id = element.get("action_id")
    if action_id is not None and len(str(action_id)) > ID_LENGTH:
        problems.append(f"{where}/action_id must be at most {ID_LENGTH} characters")
    if element.get("type") == "button":
        kind, text = _text_of(element.get("text"))
        if kind != "plain_text":
            problems.append(f"{where}/text must be plain_text")
        if len(text) > BUTTON_TEXT:
            problems.append(f"{where}/text must be at most {BUTTON_TEXT} characters")
        if len(str(element.get("value", ""))) > BUTTON_VALUE:
            problems.append(f"{where}/value must be at most {BUTTON_VALUE} characters")
    return problems


def _limit_problems(block: Json, where: str) -> list[str]:
    problems: list[str] = []
    kind = block.get("type")
    if kind == "header":
        text_type, text = _text_of(block.get("text"))
        if text_type != "plain_text":
            problems.append(f"{where}/text must be plain_text")
        if len(text) > HEADER_TEXT:
            problems.append(f"{where}/text must be at most {HEADER_TEXT} characters")
    if kind == "section" and len(_text_of(block.get("text"))[1]) > SECTION_TEXT:
        problems.append(f"{where}/text must be at most {SECTION_TEXT} characters")
    elements: list[Any] = []
    if kind in ("actions", "context"):
        elements = list(block.get("elements") or [])
    elif kind == "section" and block.get("accessory") is not None:
        elements = [block["accessory"]]
    elif kind == "input" and block.get("element") is not None:
        elements = [block["element"]]
    seen: set[str] = set()
    for i, element in enumerate(elements):
        problems += _element_problems(element, f"{where}/elements/{i}")
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if action_id is not None:
            if action_id in seen:
                problems.append(f"{where}/elements/{i}/action_id {action_id!r} is not unique in its block")
            seen.add(action_id)
    return problems


def block_problems(blocks: Any, *, surface: str = "message") -> list[str]:
    """Every reason Slack would answer invalid_blocks, as "[ERROR] ..." lines; empty if valid."""
    if not isinstance(blocks, list):
        return ["[ERROR] blocks must be an array"]
    problems: list[str] = []
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        problems.append(f"no more than {limit} items allowed [json-pointer:/blocks]")
    block_ids: set[str] = set()
    for i, raw in enumerate(blocks):
        where = f"/blocks/{i}"
        if not isinstance(raw, dict) or "type" not in raw:
            problems.append(f"a block needs a type [json-pointer:{where}]")
            continue
        try:
            parsed = Block.parse(raw)
            if parsed is None:
                problems.append(f"unsupported type: {raw['type']} [json-pointer:{where}/type]")
                continue
            parsed.validate_json()
            parsed.to_dict()  # validates nested elements and text objects too
        except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as e:
            problems.append(f"{e} [json-pointer:{where}]")
            continue
        problems += [f"{p} [json-pointer:{where}]" for p in _limit_problems(raw, where)]
        block_id = raw.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > ID_LENGTH:
                problems.append(f"block_id must be at most {ID_LENGTH} characters [json-pointer:{where}]")
            if block_id in block_ids:
                problems.append(f"block_id {block_id!r} is not unique [json-pointer:{where}/block_id]")
            block_ids.add(block_id)
    return [f"[ERROR] {p}" for p in problems]


def check_blocks(raw: Any, *, surface: str = "message") -> list[Json] | None:
    """Decoded, valid blocks (None when absent), or ApiError("invalid_blocks") with Slack's messages."""
    if raw is None or raw == "":
        return None
    blocks = decode_json_arg(raw, error="invalid_blocks_format")
    problems = block_problems(blocks, surface=surface)
    if problems:
        raise ApiError("invalid_blocks", errors=problems, response_metadata={"messages": problems})
    return list(blocks)


def check_metadata(raw: Any) -> Json | None:
    """Message metadata: {"event_type": str, "event_payload": object}."""
    if raw is None or raw == "":
        return None
    metadata = decode_json_arg(raw, error="invalid_metadata_format")
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not metadata["event_type"]
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise ApiError("invalid_metadata_format")
    if len(json.dumps(metadata)) > 8_000:
        raise ApiError("metadata_too_large")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


def check_message(args: Json, *, require_content: bool = True) -> tuple[str, list[Json] | None]:
    """text and blocks of chat.postMessage / chat.update / chat.postEphemeral / response_url."""
    text = args.get("text")
    text = "" if text is None else str(text)
    blocks = check_blocks(args.get("blocks"))
    if require_content and not text and not blocks and not args.get("attachments"):
        raise ApiError("no_text")
    if len(text) > MAX_TEXT:
        raise ApiError("msg_too_long")
    return text, blocks


def check_view_model(view: Json) -> list[str]:
    """A modal or home view as slack_sdk's View model sees it (title, submit and close at most 24
    characters, private_metadata 3,000, callback_id 255, ...), plus an input's max_length
    (Slack: at most 3,000) and its initial_value within it."""
    problems: list[str] = []
    try:
        View(**{k: v for k, v in view.items() if k in View.attributes or k == "blocks"}).validate_json()
    except (SlackObjectFormationError, TypeError) as exc:
        problems.append(f"[ERROR] {exc}")
    blocks = view.get("blocks") or []
    # Slack's view reference: "submit is required when an input block is within the blocks array"
    if (
        view.get("type") == "modal"
        and not view.get("submit")
        and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    ):
        problems.append("[ERROR] submit is required when an input block is within the blocks array")
    for block in blocks:
        element = block.get("element") if isinstance(block, dict) else None
        if isinstance(element, dict) and element.get("type") == "plain_text_input":
            most = element.get("max_length")
            if isinstance(most, int) and not 1 <= most <= 3000:
                problems.append("[ERROR] max_length must be between 1 and 3000")
            if isinstance(most, int) and len(str(element.get("initial_value") or "")) > most:
                problems.append("[ERROR] initial_value must be at most max_length")
    return problems


def submitted_state(view: Json, values: Json) -> Json:
    """A modal's state.values as Slack sends it on submit: every input block, with what the
    person typed (`values`, {block_id: {action_id: {...}}}) or else what it was opened with; a
    required input left empty cannot be submitted (Slack's client says "This field is required"
    and sends nothing), so it raises ValueError."""
    state: Json = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if isinstance(block, dict) else None
        if not isinstance(element, dict) or block.get("type") != "input":
            continue
        block_id, action_id = block.get("block_id"), element.get("action_id")
        typed = ((values.get(block_id) or {}).get(action_id) or {}) if block_id in values else None
        value = typed.get("value") if typed is not None else element.get("initial_value")
        if not value and not block.get("optional"):
            raise ValueError(f"input {block_id!r} is required: Slack does not submit the modal")
        state[block_id] = {action_id: {"type": element.get("type"), "value": value or None}}
    unknown = set(values) - set(state)
    if unknown:
        raise ValueError(f"the modal has no input blocks {sorted(unknown)} to type into")
    return state


def response_action_problems(view: Json, ack: Json) -> list[str]:
    """What Slack refuses in a view_submission's ack: `errors` naming blocks the view does not
    have (or that are not inputs), an `update` whose view is not a valid modal."""
    action = ack.get("response_action")
    if action is None:
        return []
    if action == "errors":
        inputs = {b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"}
        errors = ack.get("errors")
        if not isinstance(errors, dict) or not errors:
            return ["errors must be an object naming input blocks"]
        return [f"no input block {key!r}" for key in errors if key not in inputs]
    if action in ("update", "push"):
        new = ack.get("view")
        if not isinstance(new, dict) or new.get("type") != "modal":
            return [f"{action} needs a modal view"]
        return check_view_model(new)
    if action == "clear":
        return []
    return [f"unknown response_action {action!r}"]
