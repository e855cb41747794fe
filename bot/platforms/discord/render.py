"""Neutral messages -> Discord embeds and buttons. Pure: no I/O.

Limits (Discord's documentation): embed title 256, description 4,096, 25 fields of name 256 and
value 1,024, footer 2,048, all embeds of one message together 6,000, 10 embeds per message,
button label 80, custom id 100 (unique in a message), 5 buttons per action row, 5 rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import discord

from bot.core.shared.messages import Form, Message, split_markdown

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
MESSAGE_EMBEDS_MAX = 10
MESSAGE_TOTAL_MAX = 6000
CUSTOM_ID_PREFIX = "pb:"
CUSTOM_ID_MAX = 100
BUTTONS_PER_ROW = 5
ROWS_MAX = 5
COLOUR = discord.Colour(0x5865F2)
_PERSON = re.compile(r"<u:([^|>]+)\|([^>]*)>")
_SNOWFLAKE = re.compile(r"\d{15,21}")
NO_MENTIONS = discord.AllowedMentions.none()


@dataclass(frozen=True, slots=True)
class Rendered:
    """One Discord message: its embeds and button custom ids with labels."""

    embeds: tuple[discord.Embed, ...]
    buttons: tuple[tuple[str, str], ...] = ()

    def view(self) -> discord.ui.View | None:
        """The buttons, as a view that is already stopped: on_interaction answers a press from
        its custom id (also after a restart), so discord.py need not keep a View in memory for
        every daily post, reveal and reminder it ever sent (it keeps only views not finished)."""
        if not self.buttons:
            return None
        view = discord.ui.View(timeout=None)
        for index, (label, custom_id) in enumerate(self.buttons[: BUTTONS_PER_ROW * ROWS_MAX]):
            row = index // BUTTONS_PER_ROW  # in order, five to a row: "0 of 5" .. "4 of 5", then "5 of 5"
            view.add_item(discord.ui.Button(label=label[:80], custom_id=custom_id, row=row))
        view.stop()
        return view


def text(markdown: str) -> str:
    """Neutral inline markup -> Discord's: moments are native; people become mentions, which
    the bot always sends with `allowed_mentions` none, so nobody is notified."""
    return _PERSON.sub(_person, markdown)


def _person(match: re.Match[str]) -> str:
    user_id, name = match[1], match[2]
    return f"<@{user_id}>" if _SNOWFLAKE.fullmatch(user_id) else name


def custom_id(action: str) -> str | None:
    cid = CUSTOM_ID_PREFIX + action
    return cid if len(cid) <= CUSTOM_ID_MAX else None


def action_of(custom_id: str) -> str | None:
    return custom_id[len(CUSTOM_ID_PREFIX) :] if custom_id.startswith(CUSTOM_ID_PREFIX) else None


def render(message: Message) -> list[Rendered]:
    """A message as one or more Discord messages that each fit every limit; the body is split
    between paragraphs and never inside a code block."""
    embeds: list[discord.Embed] = []
    chunks = _split(text(message.body), DESCRIPTION_MAX) or [""]
    for index, chunk in enumerate(chunks):
        embed = discord.Embed(description=chunk or None, colour=COLOUR)
        if index == 0 and message.title:
            embed.title = _cut(text(message.title), TITLE_MAX)
        embeds.append(embed)
    for field in message.fields:
        parts = _split(text(field.value), FIELD_VALUE_MAX) or ["-"]
        for number, part in enumerate(parts):
            name = field.name if number == 0 else f"{field.name} (continued)"
            target = embeds[-1]
            if len(target.fields) >= FIELDS_MAX or len(target) + len(name) + len(part) > MESSAGE_TOTAL_MAX:
                target = discord.Embed(colour=COLOUR)
                embeds.append(target)
            target.add_field(name=_cut(name, FIELD_NAME_MAX), value=part, inline=False)
    if message.footer:
        embeds[-1].set_footer(text=_cut(text(message.footer), FOOTER_MAX))
    if not any(len(embed) for embed in embeds):
        embeds[0].description = "…"  # Discord refuses an empty embed
    ids = {cid: button.label for button in message.buttons if (cid := custom_id(button.action)) is not None}
    buttons = tuple((label, cid) for cid, label in ids.items())[: BUTTONS_PER_ROW * ROWS_MAX]
    return _pack(embeds, buttons)


def _split(markdown: str, limit: int) -> list[str]:
    """split_markdown, with an escape never cut from the character it escapes: a line longer than
    a chunk is cut hard, and a cut after a backslash would show it and leave the next chunk's first
    character live Markdown (a typed `*` that formats)."""
    chunks = split_markdown(markdown, limit - 1)
    for i in range(len(chunks) - 1):
        trailing = len(chunks[i]) - len(chunks[i].rstrip("\\"))
        if trailing % 2:
            chunks[i], chunks[i + 1] = chunks[i][:-1], "\\" + chunks[i + 1]
    return [chunk for chunk in chunks if chunk]


def _pack(embeds: list[discord.Embed], buttons: tuple[tuple[str, str], ...]) -> list[Rendered]:
    """Group embeds into messages under 10 embeds and 6,000 characters; buttons go on the last."""
    groups: list[list[discord.Embed]] = [[]]
    total = 0
    for embed in embeds:
        size = len(embed)
        if groups[-1] and (len(groups[-1]) >= MESSAGE_EMBEDS_MAX or total + size > MESSAGE_TOTAL_MAX):
            groups.append([])
            total = 0
        groups[-1].append(embed)
        total += size
    rendered = [Rendered(tuple(group)) for group in groups]
    rendered[-1] = Rendered(rendered[-1].embeds, buttons)
    return rendered


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


MODAL_TIMEOUT = 15 * 60.0  # seconds: the interaction token's life; discord.py forgets the modal then
MODAL_TEXT_MAX = 45  # a modal's title and a Label's text
LABEL_DESCRIPTION_MAX = 100
INPUT_MAX = 4000


def modal(form: Form) -> discord.ui.Modal | None:
    """A form as a modal: a Label (type 18) per field holding its text input (short or
    paragraph, pre-filled), a refused field's reason as the Label's description. Its submission
    arrives as a MODAL_SUBMIT interaction with the same `pb:` custom id, answered by custom id
    like a button (so it works after a restart too). None if the action does not fit a custom id.

    Discord's Components reference deprecates the text input's own `label` (and text inputs in
    action rows) "in favor of `label` and `description` on the Label component"; the submission
    comes back as {type 18, component: {type 4, custom_id, value}}."""
    cid = custom_id(form.action)
    if cid is None:
        return None
    shown = discord.ui.Modal(title=_cut(form.title, MODAL_TEXT_MAX), timeout=MODAL_TIMEOUT, custom_id=cid)
    for field in form.fields:
        most = min(field.max_length, INPUT_MAX)
        box: discord.ui.TextInput[discord.ui.Modal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph if field.multiline else discord.TextStyle.short,
            custom_id=field.name,
            default=field.value[:most] or None,
            max_length=most,
            required=field.required,
        )
        description = _cut(field.error, LABEL_DESCRIPTION_MAX) if field.error else None
        shown.add_item(
            discord.ui.Label(text=_cut(field.label, MODAL_TEXT_MAX), description=description, component=box)
        )
    return shown


def submitted_values(components: list[Any]) -> dict[str, str]:
    """Every text input's value in a MODAL_SUBMIT's components (action rows or labels), by custom id."""
    found: dict[str, str] = {}
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("type") == 4 and isinstance(component.get("custom_id"), str):
            found[component["custom_id"]] = str(component.get("value") or "")
            continue
        inner = [
            *(component.get("components") or []),
            *([component["component"]] if "component" in component else []),
        ]
        found.update(submitted_values(inner))
    return found
