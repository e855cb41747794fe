"""Request bodies checked as Discord checks them: against Discord's own OpenAPI description (when the
file is there), plus the limits that description misses. A bad body is answered with Discord's
`400 {"code": 50035, "message": "Invalid Form Body", "errors": {...}}` and is not applied."""

from __future__ import annotations

import functools
import json
import unicodedata
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .model import JSON
from .responses import invalid_form

# Discord's own description of its API, copied beside the emulator: see spec/README.md
DEFAULT_OPENAPI = Path(__file__).resolve().parent / "spec" / "openapi.json"
SPEC_URI = "urn:discord:openapi"

CONTENT_MAX = 2000
EMBEDS_TOTAL_MAX = 6000
ROWS_MAX = 5  # action rows in a message without IS_COMPONENTS_V2
MODAL_COMPONENTS_MAX = 5
IS_COMPONENTS_V2 = 1 << 15

Path_ = tuple[str | int, ...]


class FormErrors:
    """Discord's nested error tree: {"embeds": {"0": {"title": {"_errors": [{code, message}]}}}}."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: Path_, code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        entry = {"code": code, "message": message}
        if entry not in node.setdefault("_errors", []):
            node["_errors"].append(entry)

    def __bool__(self) -> bool:
        return bool(self.tree)


class OpenApiSpec:
    """One validator per operation, compiled on first use and kept; `$ref`s resolve inside the file."""

    def __init__(self, path: Path) -> None:
        spec = json.loads(path.read_text())
        # Discord takes snowflakes as JSON integers too (discord.py numbers attachments 0, 1, ...)
        snowflake = spec["components"]["schemas"]["SnowflakeType"]
        spec["components"]["schemas"]["SnowflakeType"] = {
            "anyOf": [snowflake, {"type": "integer", "minimum": 0}]
        }
        self._paths: dict[str, Any] = spec["paths"]
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._validators: dict[tuple[str, str], Draft202012Validator | None] = {}

    def validator(self, method: str, template: str) -> Draft202012Validator | None:
        key = (method.lower(), template)
        if key not in self._validators:
            operation = self._paths.get(template, {}).get(key[0]) or {}
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                self._validators[key] = None
            else:
                pointer = _pointer(
                    "paths", template, key[0], "requestBody", "content", "application/json", "schema"
                )
                schema = {"$ref": f"{SPEC_URI}#{pointer}"}
                self._validators[key] = Draft202012Validator(schema, registry=self._registry)
        return self._validators[key]


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


@functools.lru_cache(maxsize=4)
def load_spec(path: Path) -> OpenApiSpec | None:
    """The spec is 1 MB: loaded once per process and shared by every emulator."""
    return OpenApiSpec(path) if path.is_file() else None


def _closest_branch(error: ValidationError) -> list[ValidationError]:
    """The anyOf/oneOf branch the body meant: one whose `type` discriminator matches, then one
    that failed deeper than "not an object", then the one with the fewest errors."""
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def distance(errors: list[ValidationError]) -> tuple[bool, bool, int]:
        wrong_kind = any(
            list(e.relative_path) == ["type"] and e.validator in ("enum", "const") for e in errors
        )
        wrong_shape = any(not e.relative_path and e.validator == "type" for e in errors)
        return wrong_kind, wrong_shape, len(errors)

    return min(branches.values(), key=distance) if branches else []


def _add_schema_error(error: ValidationError, errors: FormErrors) -> None:
    if error.context:  # anyOf/oneOf: report why the closest branch failed, as Discord does
        for sub in _closest_branch(error):
            _add_schema_error(sub, errors)
        return
    path: Path_ = tuple(error.absolute_path)
    keyword, limit = error.validator, error.validator_value
    if keyword == "required":
        for name in limit:
            if isinstance(error.instance, dict) and name not in error.instance:
                errors.add((*path, name), "BASE_TYPE_REQUIRED", "This field is required")
    elif keyword in ("maxLength", "maxItems"):
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    elif keyword in ("minLength", "minItems"):
        errors.add(path, "BASE_TYPE_MIN_LENGTH", f"Must be {limit} or more in length.")
    elif keyword == "maximum":
        errors.add(path, "NUMBER_TYPE_MAX", f"Value should be less than or equal to {limit}.")
    elif keyword == "minimum":
        errors.add(path, "NUMBER_TYPE_MIN", f"Value should be greater than or equal to {limit}.")
    elif keyword in ("enum", "const"):
        errors.add(path, "BASE_TYPE_CHOICES", f"Value must be one of {limit}.")
    else:
        errors.add(path, "BASE_TYPE_INVALID", error.message[:200])


# ---------------------------------------------------------------- limits the spec misses


def _text(value: object, limit: int, path: Path_, errors: FormErrors) -> int:
    if not isinstance(value, str):
        return 0
    if len(value) > limit:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    return len(value)


def check_message(body: JSON, errors: FormErrors, at: Path_ = ()) -> None:
    """Content 2,000; per embed title 256, description 4,096, 25 fields of 256/1,024, footer 2,048,
    author 256; and all embeds of the message together 6,000."""
    _text(body.get("content"), CONTENT_MAX, (*at, "content"), errors)
    total = 0
    for i, embed in enumerate(body.get("embeds") or []):
        if not isinstance(embed, dict):
            continue
        where = (*at, "embeds", i)
        total += _text(embed.get("title"), 256, (*where, "title"), errors)
        total += _text(embed.get("description"), 4096, (*where, "description"), errors)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errors.add((*where, "fields"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, field in enumerate(fields):
            if isinstance(field, dict):
                total += _text(field.get("name"), 256, (*where, "fields", j, "name"), errors)
                total += _text(field.get("value"), 1024, (*where, "fields", j, "value"), errors)
        for key, limit, name in (("footer", 2048, "text"), ("author", 256, "name")):
            part = embed.get(key)
            if isinstance(part, dict):
                total += _text(part.get(name), limit, (*where, key, name), errors)
    if total > EMBEDS_TOTAL_MAX:
        errors.add((*at, "embeds"), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    _check_rows(body, errors, at)


def _check_rows(body: JSON, errors: FormErrors, at: Path_) -> None:
    """What the spec misses about buttons: without the components-v2 flag a message has at most 5
    action rows (the spec allows 40 components of v2), and a custom id appears once in a message."""
    rows = body.get("components") or []
    flags = body.get("flags") or 0
    if isinstance(flags, int) and not flags & IS_COMPONENTS_V2 and len(rows) > ROWS_MAX:
        errors.add((*at, "components"), "BASE_TYPE_MAX_LENGTH", f"Must be {ROWS_MAX} or fewer in length.")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        for j, component in enumerate(row.get("components") or [] if isinstance(row, dict) else []):
            custom_id = component.get("custom_id") if isinstance(component, dict) else None
            if custom_id is None:
                continue
            if custom_id in seen:
                errors.add(
                    (*at, "components", i, "components", j, "custom_id"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            seen.add(custom_id)


def _valid_name(name: object) -> bool:
    """`^[-_\\p{L}\\p{N}]{1,32}$`, lower case wherever a letter has a lower-case form."""
    return (
        isinstance(name, str)
        and 1 <= len(name) <= 32
        and all(c in "-_" or unicodedata.category(c)[0] in "LN" for c in name)
        and name == name.lower()
    )


def _check_choices(choices: list[Any], at: Path_, errors: FormErrors) -> None:
    if len(choices) > 25:
        errors.add(at, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for k, choice in enumerate(choices):
        if isinstance(choice, dict):
            name = choice.get("name")
            if not isinstance(name, str) or not 1 <= len(name) <= 100:
                errors.add((*at, k, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            _text(choice.get("value"), 100, (*at, k, "value"), errors)


def _check_options(options: list[Any], at: Path_, errors: FormErrors) -> None:
    if len(options) > 25:
        errors.add(at, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    seen: set[str] = set()
    optional_seen = False
    for j, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        where = (*at, j)
        name = option.get("name")
        if not _valid_name(name):
            errors.add((*where, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        elif name in seen:
            errors.add(
                (*where, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option name is duplicated",
            )
        seen.add(str(name))
        description = option.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 100:
            errors.add(
                (*where, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        if option.get("type") in (1, 2):
            _check_options(option.get("options") or [], (*where, "options"), errors)
            continue
        if option.get("required"):
            if optional_seen:
                errors.add(
                    (*where, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        _check_choices(option.get("choices") or [], (*where, "choices"), errors)


def check_command(command: JSON, errors: FormErrors, at: Path_ = ()) -> None:
    if command.get("type", 1) != 1:
        name = command.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 32:
            errors.add((*at, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
        if command.get("description"):
            errors.add(
                (*at, "description"), "BASE_TYPE_INVALID", "Context menu commands cannot have a description"
            )
        return
    if not _valid_name(command.get("name")):
        errors.add((*at, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    description = command.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= 100:
        errors.add((*at, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    _check_options(command.get("options") or [], (*at, "options"), errors)


def check_commands(commands: list[Any], errors: FormErrors) -> None:
    seen: set[tuple[Any, Any]] = set()
    for i, command in enumerate(commands):
        if not isinstance(command, dict):
            continue
        check_command(command, errors, (i,))
        key = (command.get("type", 1), command.get("name"))
        if key in seen:
            errors.add(
                (i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique"
            )
        seen.add(key)
    if sum(1 for c in commands if isinstance(c, dict) and c.get("type", 1) == 1) > 100:
        errors.add((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")


def check_callback(body: JSON, errors: FormErrors) -> None:
    data = body.get("data")
    if not isinstance(data, dict):
        return
    if body.get("type") in (4, 7):
        check_message(data, errors, ("data",))
    elif body.get("type") == 8:
        _check_choices(data.get("choices") or [], ("data", "choices"), errors)
    elif body.get("type") == 9:
        components = data.get("components") or []
        # the interaction response's MODAL: "Between 1 and 5 (inclusive) components that make up
        # the modal" (Receiving and Responding); the OpenAPI file allows 40
        if len(components) > MODAL_COMPONENTS_MAX:
            errors.add(
                ("data", "components"),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MODAL_COMPONENTS_MAX} or fewer in length.",
            )
        _check_modal_inputs(components, ("data", "components"), errors)
        _refuse_deprecated_inputs(components, ("data", "components"), errors)


def _refuse_deprecated_inputs(components: list[Any], at: tuple[Any, ...], errors: FormErrors) -> None:
    """Discord's Components reference: "The `label` field on a Text Input is deprecated in favor of
    `label` and `description` on the Label component", and a modal's text input belongs in a Label
    (type 18), not an action row. Discord still takes the old shape today; the emulator refuses it,
    so the bot is never the one left sending it when Discord stops taking it."""
    for i, component in enumerate(components):
        if not isinstance(component, dict):
            continue
        inner = component.get("components") or []
        if component.get("type") == 1 and any(isinstance(c, dict) and c.get("type") == 4 for c in inner):
            errors.add(
                (*at, i), "COMPONENT_DEPRECATED", "Text inputs in action rows are deprecated: use a Label"
            )
        inputs = [c for c in inner if isinstance(c, dict)]
        if isinstance(component.get("component"), dict):
            inputs.append(component["component"])
        for j, child in enumerate(inputs):
            if child.get("type") == 4 and child.get("label") is not None:
                errors.add((*at, i, j, "label"), "COMPONENT_DEPRECATED", "Use the Label component's label")


def _check_modal_inputs(components: list[Any], at: tuple[Any, ...], errors: FormErrors) -> None:
    """What the schema cannot say: a text input's pre-filled value fits its own bounds."""
    for i, component in enumerate(components):
        if not isinstance(component, dict):
            continue
        if component.get("type") == 4:
            value = component.get("value") or ""
            most = component.get("max_length")
            if isinstance(most, int) and len(value) > most:
                errors.add((*at, i, "value"), "BASE_TYPE_MAX_LENGTH", f"Must be {most} or fewer in length.")
            least = component.get("min_length")
            if isinstance(least, int) and value and len(value) < least:
                errors.add((*at, i, "value"), "BASE_TYPE_MIN_LENGTH", f"Must be {least} or more in length.")
        inner = component.get("components") or []
        _check_modal_inputs(inner, (*at, i, "components"), errors)
        if isinstance(component.get("component"), dict):
            _check_modal_inputs([component["component"]], (*at, i, "component"), errors)


MESSAGE_BODIES = {
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
}
COMMAND_LISTS = {
    ("PUT", "/applications/{application_id}/commands"),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"),
}
SINGLE_COMMANDS = {
    ("POST", "/applications/{application_id}/commands"),
    ("POST", "/applications/{application_id}/guilds/{guild_id}/commands"),
}
CALLBACK = ("POST", "/interactions/{interaction_id}/{interaction_token}/callback")


class BodyValidator:
    """Checks one request body for one operation (method + the spec's path template)."""

    def __init__(self, openapi_path: Path | None) -> None:
        self.spec = load_spec(openapi_path) if openapi_path is not None else None

    def check(self, method: str, template: str, body: Any) -> None:
        errors = FormErrors()
        validator = self.spec.validator(method, template) if self.spec else None
        if validator is not None:
            for error in validator.iter_errors(body):
                _add_schema_error(error, errors)
        key = (method, template)
        if key in MESSAGE_BODIES and isinstance(body, dict):
            check_message(body, errors)
        elif key in COMMAND_LISTS and isinstance(body, list):
            check_commands(body, errors)
        elif key in SINGLE_COMMANDS and isinstance(body, dict):
            check_command(body, errors)
        elif key == CALLBACK and isinstance(body, dict):
            check_callback(body, errors)
        if errors:
            raise invalid_form(errors.tree)
