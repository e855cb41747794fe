"""The terminal channel: one local channel in your terminal, the default with no token set.

It is a real Platform behind the same port as Discord and Slack. You are a user (`:user NAME`
becomes another one), type the same slash commands, and answer the open question with
`reply TEXT`. Every user here is an admin.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import getpass
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.core import blind
from bot.core.commands import HELP, parse_line
from bot.core.errors import UserError
from bot.core.messages import Message, Picture, Response
from bot.core.models import ChannelRef, PostedRef, User
from bot.core.schedule import format_relative
from bot.core.service import Caller, PracticeService

CHANNEL = ChannelRef("terminal", "local", "practice")
_MOMENT = re.compile(r"<t:(-?\d+):([A-Za-z])>")
_PERSON = re.compile(r"<u:[^|>]+\|([^>]*)>")
_ESCAPED = re.compile(r"\\([\\`*_~|>\[\]()#<@!&:])")
SHELL_HELP = """\
This is a local practice channel. Type:
  /practice subscribe 09:00 Europe/Berlin   subscribe this channel (see /practice help)
  /practice post-now                        post today's question now
  reply TEXT                                answer the open question in its thread; with
                                            blind answers (/practice subscribe answers=blind)
                                            it is kept hidden until the reveal (no form here:
                                            `reply` again replaces it)
  /practice reveal-now                      show the model answer now
  /practice recap-now                       the weekly recap now (its picture is saved to a file)
  /streaks   /streaks me   /question        the board, your streak, a random question
  /bookmarks   /review   /review remind on    your bookmarks, a review, a daily reminder
  :user NAME                                become another person (you are '{user}')
  :press ACTION                             press a button (shown next to it)
  :help  :quit"""


class TerminalChannel:
    """Platform port and front end for the terminal."""

    name = "terminal"

    def __init__(
        self,
        stdin: TextIO,
        stdout: TextIO,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        user: str | None = None,
        files: Path | None = None,
    ) -> None:
        self._files = files or Path.cwd()  # pictures (the weekly recap's) are written here
        self._stdin = stdin
        self._out = stdout
        self._now = now
        self.user = _person(user or _login_name())
        self._service: PracticeService | None = None

    # ------------------------------------------------------------ Platform port

    def owns(self, channel: ChannelRef) -> bool:
        """The terminal channel has one process: this one."""
        return True

    async def receiving(self) -> None:
        return

    async def post_question(
        self, channel: ChannelRef, message: Message, nonce: str, *, resend: bool = False
    ) -> PostedRef:
        self._print(f"\n--- new question in #{channel.channel_id} ---")
        self._print(self.render(message))
        self._print("(a thread is open for answers: type `reply YOUR ANSWER`)")
        return PostedRef(message_id=f"message-{nonce}", thread_id=f"thread-{nonce}")

    async def reply_in_thread(
        self, channel: ChannelRef, thread_id: str, message: Message, *, nonce: str = "", resend: bool = False
    ) -> None:
        self._print("\n--- in the thread ---")
        self._print(self.render(message))

    async def thread_replies(self, channel: ChannelRef, thread_id: str) -> list[tuple[User, datetime]]:
        return []  # nobody can type here while the bot is not running

    async def edit_post(self, channel: ChannelRef, message_id: str, message: Message) -> None:
        self._print(f"\n(the question post was edited: {self._text(message.body)})")

    async def send_private(self, channel: ChannelRef, user_id: str, message: Message) -> None:
        """Everyone here shares one terminal: the message is marked as whose it is."""
        self._print(
            f"\n--- private message to {user_id.removeprefix('terminal:')} (only they can see this) ---"
        )
        self._print(self.render(message))

    async def post_picture(
        self, channel: ChannelRef, message: Message, picture: Picture, nonce: str, *, resend: bool = False
    ) -> None:
        """Print the message and write the picture to a file beside the database."""
        path = self._files / picture.filename
        await asyncio.to_thread(_write, path, picture.data)
        self._print(f"\n--- in #{channel.channel_id} ---")
        self._print(self.render(message))
        self._print(f"(picture, {picture.width}x{picture.height}: {path.resolve()})")

    # ------------------------------------------------------------ front end

    async def run(self, service: PracticeService, stop: asyncio.Event | None = None) -> None:
        """Read lines until `:quit`, end of input or `stop`."""
        self._service = service
        stop = stop or asyncio.Event()
        lines = _line_reader(self._stdin)
        self._print(f"practicebot terminal channel #{CHANNEL.channel_id}. You are '{self.user.name}'.")
        self._print("Type :help for commands, :quit to leave.")
        while not stop.is_set():
            self._prompt()
            reader = asyncio.ensure_future(lines.get())
            stopper = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
            for task in (reader, stopper):
                if task not in done:
                    task.cancel()
            if reader not in done:
                break
            line = reader.result()
            if line is None or not await self.handle_line(line.strip()):
                break

    async def handle_line(self, line: str) -> bool:
        """One typed line; False to leave."""
        assert self._service is not None
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        caller = Caller(CHANNEL, self.user, is_admin=True)
        if line == ":help":
            self._print(SHELL_HELP.format(user=self.user.name) + "\n\n" + HELP)
        elif line.startswith(":user"):
            name = line[len(":user") :].strip()
            if not name:
                self._print(f"You are '{self.user.name}'. `:user NAME` becomes someone else.")
            else:
                self.user = _person(name)
                self._print(f"You are now '{self.user.name}'.")
        elif line.startswith(":press"):
            action = line[len(":press") :].strip()
            self._show(await self._service.handle_action(caller, action))
        elif line.startswith("/"):
            try:
                command = parse_line(line)
            except UserError as exc:
                self._show(Response.text(exc.message))
            else:
                self._show(await self._service.handle(caller, command))
        elif line == "reply" or line.startswith("reply "):
            await self._reply(line[len("reply") :].strip())
        else:
            self._print("Type :help for commands, or `reply TEXT` to answer the open question.")
        return True

    async def _reply(self, text: str) -> None:
        assert self._service is not None
        if not text:
            self._print("Write your answer after `reply`, like: reply frames are masked because ...")
            return
        blind_post = await self._service.blind.open_post_id(CHANNEL)
        if blind_post is not None:  # the terminal's form: the text goes in hidden
            caller = Caller(CHANNEL, self.user, is_admin=True)
            response = await self._service.submit_form(caller, blind.action(blind_post), text)
            self._show(dataclasses.replace(response, form=None))
            return
        thread = await self._service.open_thread(CHANNEL)
        if thread is None:
            self._print("There is no open question to answer. /practice post-now posts one.")
            return
        counted = await self._service.record_reply(CHANNEL, thread, self.user, self._now())
        self._print(f"[thread] {self.user.name}: {text}")
        if not counted:
            self._print("(you already answered this question; your first answer is the one that counts)")

    # ------------------------------------------------------------ rendering

    def render(self, message: Message) -> str:
        parts: list[str] = []
        if message.title:
            parts.append(f"== {self._text(message.title)} ==")
        if message.body:
            parts.append(self._text(message.body))
        for field in message.fields:
            value = self._text(field.value)
            if "\n" in value:
                parts.append(f"{field.name}:\n" + "\n".join(f"  {line}" for line in value.splitlines()))
            else:
                parts.append(f"{field.name}: {value}")
        for button in message.buttons:
            parts.append(f"[{button.label}]  type  :press {button.action}")
        if message.footer:
            parts.append(f"({self._text(message.footer)})")
        return "\n".join(parts)

    def _text(self, markdown: str) -> str:
        text = _MOMENT.sub(lambda m: self._moment(int(m[1]), m[2]), markdown)
        text = _PERSON.sub(r"\1", text)
        return _ESCAPED.sub(r"\1", text)

    def _moment(self, timestamp: int, style: str) -> str:
        at = datetime.fromtimestamp(timestamp, UTC)
        if style == "R":
            return format_relative(at - self._now())
        return at.astimezone().strftime("%a %d %b %Y %H:%M %Z")

    def _show(self, response: Response) -> None:
        for message in response.messages:
            if response.private:
                self._print("(only you can see this)")
            self._print(self.render(message))

    def _print(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def _prompt(self) -> None:
        if self._stdin.isatty():
            self._out.write(f"{self.user.name}> ")
            self._out.flush()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(data)
    partial.replace(path)  # never a half-written picture at the path printed


def _person(name: str) -> User:
    clean = " ".join("".join(ch for ch in name if ch.isprintable()).split())[:40] or "someone"
    return User(id=f"terminal:{clean.lower()}", name=clean)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"


def _line_reader(stream: TextIO) -> asyncio.Queue[str | None]:
    """Lines from a blocking stream, read by a daemon thread so a stop never waits on it.
    None marks the end of input."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        try:
            for line in stream:
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="terminal-input", daemon=True).start()
    return queue
