"""Discord and Slack renderers: every rendered message fits the platform's limits, code blocks
survive splitting, and nothing a person wrote can ping anyone."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.core.shared.messages import Button, Field, Message, person
from bot.core.shared.models import User
from bot.platforms.discord import render as discord_render
from bot.platforms.slack import render as slack_render

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r`"), max_size=300)
CODE = st.lists(st.text(alphabet="abcxyz =();<>&", max_size=60), min_size=1, max_size=60).map(
    lambda lines: "```js\n" + "\n".join(lines) + "\n```"
)
BODY = st.lists(st.one_of(TEXT, CODE), max_size=12).map("\n\n".join)
MESSAGES = st.builds(
    Message,
    title=st.text(max_size=300),
    body=BODY,
    fields=st.lists(st.builds(Field, name=st.text(min_size=1, max_size=40), value=BODY), max_size=30).map(
        tuple
    ),
    buttons=st.lists(
        st.builds(Button, label=st.text(min_size=1, max_size=100), action=st.text(max_size=120)), max_size=3
    ).map(tuple),
    footer=st.text(max_size=100),
)


def _fences_balanced(text: str) -> bool:
    return len(re.findall(r"^```", text, re.M)) % 2 == 0


@settings(max_examples=60, deadline=None)
@given(message=MESSAGES)
def test_discord_messages_fit_every_limit(message: Message) -> None:
    for part in discord_render.render(message):
        assert 1 <= len(part.embeds) <= 10
        assert sum(len(e) for e in part.embeds) <= 6000
        for embed in part.embeds:
            assert len(embed.title or "") <= 256
            assert len(embed.description or "") <= 4096
            assert len(embed.fields) <= 25
            for f in embed.fields:
                assert len(f.name or "") <= 256
                assert len(f.value or "") <= 1024
                assert _fences_balanced(f.value or "")
            assert _fences_balanced(embed.description or "")
        assert all(len(cid) <= 100 for _, cid in part.buttons)


@settings(max_examples=60, deadline=None)
@given(message=MESSAGES)
def test_slack_messages_fit_every_limit_and_validate(message: Message) -> None:
    for part in slack_render.render(message):
        assert len(part.blocks) <= 50
        for block in part.blocks:
            parsed = Block.parse(block)
            assert parsed is not None
            parsed.validate_json()
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
                assert _fences_balanced(block["text"]["text"])
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150


@given(name=st.text(max_size=60))
def test_names_never_ping_on_slack_and_only_render_as_inert_mentions_on_discord(name: str) -> None:
    user = User("123456789012345678", name)
    message = Message(body=f"{person(user)} and {name}", fields=(Field("Answered", person(user)),))
    for part in slack_render.render(message):
        for block in part.blocks:
            text = block.get("text", {}).get("text", "")
            assert not re.search(r"<!(channel|here|everyone)|<@|<#", text), text
    rendered = discord_render.render(message)[0].embeds[0]
    assert "<@123456789012345678>" in rendered.description  # a mention, sent with allowed_mentions none
    assert discord_render.NO_MENTIONS.to_dict() == {"parse": []}


def test_a_long_model_answer_is_split_between_paragraphs_on_both_platforms() -> None:
    code = "```python\n" + "\n".join(f"x{i} = {i}" for i in range(400)) + "\n```"
    body = "Intro paragraph.\n\n" + code + "\n\nClosing paragraph."
    parts = discord_render.render(Message(title="T", body=body))
    descriptions = [e.description or "" for p in parts for e in p.embeds]
    assert descriptions[0] == "Intro paragraph."
    assert all(d.startswith("```python") and d.endswith("```") for d in descriptions[1:-1])
    blocks = [
        b
        for p in slack_render.render(Message(title="T", body=body))
        for b in p.blocks
        if b["type"] == "section"
    ]
    assert blocks[0]["text"]["text"] == "Intro paragraph."
    assert all(b["text"]["text"].startswith("```") for b in blocks[1:-1])
