"""The kernel every feature shares: models, errors, ids, message types, typo hints and the
clock, timer, metrics and platform ports."""
