"""Running practicebot for a year: health, metrics, logs and the operators' commands."""
