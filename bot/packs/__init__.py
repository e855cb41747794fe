"""Packs in and out: new, lint, import and export (CSV, JSON, YAML, Anki `.apkg`).

The pack folder stays the single source of truth: an import writes Markdown question files that
`bot.core.daily.questions.load_pack` reads back, and the loader is the one that decides what is valid.
"""
