"""The command grammar: slash-command text to typed commands, with errors that say what to type."""
