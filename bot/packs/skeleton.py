"""`practicebot pack new NAME`: a pack folder to start from, with one example question that
passes `pack lint` as it is, so every rule of the format is shown by example."""

from __future__ import annotations

from pathlib import Path

from bot.core.shared.errors import UserError
from bot.packs.markdown import pack_toml
from bot.packs.records import slugify

EXAMPLE = """+++
id = "{pack}/what-is-an-example"
level = "beginner"
number = 1
title = "What is an example question?"
summary = "One or two sentences a good answer comes down to; at most 280 characters."
key_points = [
  "Three to six points a good answer makes: people tick them off at the reveal.",
  "Each point at most 300 characters.",
  "Keep each one checkable: it is in the answer or it is not.",
]
follow_ups = [
  "Two or three questions an interviewer would ask next?",
  "What would you ask after that?",
]
references = [
  "Where the answer comes from, with its URL <https://example.com/the-source>",
]
tags = ["example"]
+++
The model answer, in Markdown, at most 2,500 characters. It is revealed in the thread.

Code blocks name their language:

```python
print("hello")
```
"""


def new_pack(folder: Path) -> list[Path]:
    """Create the pack folder; refuses to write into a folder that has anything in it."""
    pack_id = slugify(folder.name)
    if pack_id != folder.name:
        raise UserError(
            f"a pack's folder name is its id: lowercase letters, digits and - (try {pack_id or 'my-pack'!r})"
        )
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UserError(f"{folder} already exists and is not empty: choose another name")
    question = folder / "beginner" / "01-what-is-an-example.md"
    question.parent.mkdir(parents=True, exist_ok=True)
    (folder / "pack.toml").write_text(
        pack_toml(
            pack_id, pack_id.replace("-", " ").capitalize(), "What this pack is about.", {"beginner": 1}
        ),
        encoding="utf-8",
    )
    question.write_text(EXAMPLE.replace("{pack}", pack_id), encoding="utf-8")
    return [folder / "pack.toml", question]
