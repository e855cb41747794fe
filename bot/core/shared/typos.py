"""Did-you-mean hints for words people mistype: commands, options, config keys."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice nearest to `word` (case ignored), or None when none is near enough."""
    import difflib  # only when a word was mistyped: not worth its memory in a running bot

    options = {choice.lower(): choice for choice in choices}
    match = difflib.get_close_matches(word.lower()[:100], list(options), n=1, cutoff=cutoff)
    return options[match[0]] if match else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` - did you mean status?` or an empty string."""
    match = closest(word, choices)
    return f" - did you mean {match}?" if match else ""
