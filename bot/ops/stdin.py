"""With no platform token, `practicebot run` opens the terminal channel. That only makes sense when
something can type to it; in a container started without `-it`, or under a service manager,
standard input is /dev/null or closed, and the bot would sit there serving nobody.

The rule: the terminal channel opens when standard input is a terminal, a pipe, a socket or a
regular file (a person, or a script feeding it a session). It does not when standard input is
closed or another device, such as /dev/null: then `run` exits at once and says what to set.
"""

from __future__ import annotations

import os
import stat
from typing import TextIO

from bot.config import Config


def has_input(stream: TextIO | None) -> bool:
    """Whether someone or something can type to the terminal channel through `stream`."""
    if stream is None:  # Python sets sys.stdin to None when descriptor 0 is closed
        return False
    try:
        if stream.isatty():
            return True
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):  # closed, or no descriptor at all
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISREG(mode)


def nothing_to_serve(config: Config) -> str:
    slack = config.slack
    app_or_secret = (
        f"${slack.signing_secret_env} (HTTP mode)" if slack.mode == "http" else f"${slack.app_token_env}"
    )
    oauth = (  # OAuth needs HTTP mode: Slack sends installers back to this server
        f"  ${slack.client_id_env}, ${slack.client_secret_env} and ${slack.signing_secret_env}"
        "  for Slack in any number of workspaces (OAuth)\n"
        if slack.mode == "http"
        else ""
    )
    return (
        "no platform token is set and no terminal is attached (standard input is closed or "
        "/dev/null), so there is nobody to serve. Set one of:\n"
        f"  ${config.discord.token_env}  for Discord\n"
        f"  ${slack.bot_token_env} and {app_or_secret}  for Slack\n"
        f"{oauth}"
        "or, for the local terminal channel, run it in a terminal (docker run -it ...)."
    )
