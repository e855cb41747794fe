"""HTTP plumbing shared by the routes: the parsed body on the request, and Discord's answers: JSON with `Content-Type: application/json` exactly (discord.py compares the
header verbatim, so aiohttp's `json_response`, which appends a charset, would turn bodies into text),
and the error shapes of https://discord.com/developers/docs/topics/opcodes-and-status-codes#json."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

JSON_HEADERS = {"Content-Type": "application/json"}
# the JSON body (or a multipart request's payload_json), parsed and validated; and its files
BODY: web.RequestKey[Any] = web.RequestKey("body", object)
FILES: web.RequestKey[list[dict[str, Any]]] = web.RequestKey("files", list)


def snowflake(request: web.Request, name: str) -> int:
    """A snowflake from the path; Discord answers a malformed one with a form error."""
    value = request.match_info[name]
    if not value.isdigit():
        raise form_error((name,), "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')
    return int(value)


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={**JSON_HEADERS, **(headers or {})}
    )


def no_content() -> web.Response:
    return web.Response(status=204)


class ApiError(Exception):
    """An error answer; raised anywhere in a request, turned into JSON by the middleware."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body: dict[str, Any] = dict(body) if body is not None else {"message": message, "code": code}
        if errors and body is None:
            self.body["errors"] = dict(errors)
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        return json_response(self.body, self.status, self.headers)


def invalid_form(errors: Mapping[str, Any]) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors=errors)


def unauthorized() -> ApiError:
    return ApiError(401, 0, "401: Unauthorized")


def not_found_route() -> ApiError:
    return ApiError(404, 0, "404: Not Found")


def unknown_channel() -> ApiError:
    return ApiError(404, 10003, "Unknown Channel")


def unknown_guild() -> ApiError:
    return ApiError(404, 10004, "Unknown Guild")


def unknown_message() -> ApiError:
    return ApiError(404, 10008, "Unknown Message")


def unknown_webhook() -> ApiError:
    return ApiError(404, 10015, "Unknown Webhook")


def unknown_command() -> ApiError:
    return ApiError(404, 10063, "Unknown application command")


def unknown_interaction() -> ApiError:
    return ApiError(404, 10062, "Unknown interaction")


def invalid_webhook_token() -> ApiError:
    return ApiError(401, 50027, "Invalid Webhook Token")


def already_acknowledged() -> ApiError:
    return ApiError(400, 40060, "Interaction has already been acknowledged.")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def empty_message() -> ApiError:
    return ApiError(400, 50006, "Cannot send an empty message")


def not_a_text_channel() -> ApiError:
    """A message sent to a forum, which holds posts only (checked against the live API: 400 50008)."""
    return ApiError(400, 50008, "Cannot send messages in a non-text channel")


def tag_required() -> ApiError:
    return ApiError(400, 40067, "A tag is required to create a forum post in this channel")


def wrong_channel_type() -> ApiError:
    return ApiError(400, 50024, "Cannot execute action on this channel type")


def thread_archived() -> ApiError:
    return ApiError(400, 50083, "Thread is archived")


def thread_exists() -> ApiError:
    return ApiError(400, 160004, "A thread has already been created for this message")


def not_author() -> ApiError:
    return ApiError(403, 50005, "Cannot edit a message authored by another user")


def form_error(path: tuple[str | int, ...], code: str, message: str) -> ApiError:
    errors: dict[str, Any] = {}
    node = errors
    for part in path:
        node = node.setdefault(str(part), {})
    node["_errors"] = [{"code": code, "message": message}]
    return invalid_form(errors)
