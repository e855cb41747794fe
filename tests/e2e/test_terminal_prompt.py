"""The terminal channel in a real pseudo-terminal: readline's line editing and history work, and
the bot's Markdown is styled with ANSI there (but people's escapes are not)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import clean_env

ROOT = Path(__file__).resolve().parents[2]
LEFT, UP = "\x1b[D", "\x1b[A"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


class Terminal:
    def __init__(self, db: Path) -> None:
        self.fd, child = pty.openpty()
        env = clean_env() | {"TERM": "xterm", "USER": "ana"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--database", str(db)],
            stdin=child, stdout=child, stderr=child, cwd=ROOT, env=env, close_fds=True,
        )  # fmt: skip
        os.close(child)
        self.seen = ""
        self._mark = 0  # where the output since the last keys typed starts

    def wait_for(self, text: str, timeout: float = 30) -> str:
        """The output since the last keys typed, once it shows `text`."""
        while text not in self.seen[self._mark :]:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            assert ready, f"waited for {text!r}; the terminal shows:\n{self.seen}"
            self.seen += os.read(self.fd, 65536).decode("utf-8", "replace")
        return self.seen[self._mark :]

    def type(self, keys: str) -> None:
        self._mark = len(self.seen)
        os.write(self.fd, keys.encode())

    def close(self) -> None:
        self.type(":quit\r")
        self.process.wait(timeout=30)
        os.close(self.fd)


def test_line_editing_and_history_at_a_real_prompt(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path / "bot.sqlite3")
    try:
        terminal.wait_for("ana> ")
        terminal.type("/practice tatus" + LEFT * 5 + "s\r")  # the arrow moves back to put the s in
        terminal.wait_for("This channel is not subscribed.")
        terminal.type("/help\r")
        terminal.wait_for("unknown command '/help'")
        terminal.type(UP + UP + "\r")  # two lines back in this session's history: the status again
        terminal.wait_for("This channel is not subscribed.")
        terminal.type("/practice subscribe 09:00 UTC daily\r")
        terminal.wait_for("This channel now gets a question")
        terminal.type("/practice post-now\r")
        # the prompt comes back after the whole answer, not inside it
        shown = terminal.wait_for("Posted today's question.\r\nana> ")
        assert "[1] Bookmark\r\n  (:press NUMBER or :press LABEL)" in shown
        assert "\x1b[1m" not in shown  # nothing bold in a daily post
        terminal.type("/practice help\r")
        assert "\x1b[36m" not in terminal.wait_for("/review remind on|off")
    finally:
        terminal.close()
    assert terminal.process.returncode == 0
