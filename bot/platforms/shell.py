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
import shlex
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.core.blind import rules as blind
from bot.core.commands.grammar import HELP, Command, CommandError, Practice, parse_line
from bot.core.daily.schedule import format_relative
from bot.core.daily.service import PracticeService
from bot.core.shared.errors import UserError, shown
from bot.core.shared.messages import Button, Form, Message, Picture, Response
from bot.core.shared.models import Caller, ChannelRef, PostedRef, User
from bot.platforms.local_files import read_pack_file, save_new

CHANNEL = ChannelRef("terminal", "local", "practice")
_MOMENT = re.compile(r"<t:(-?\d+):([A-Za-z])>")
_PERSON = re.compile(r"<u:[^|>]+\|([^>]*)>")
SHELL_HELP = """\
This is a local practice channel. Type:
  /practice subscribe 09:00 Europe/Berlin   subscribe this channel (see /practice help)
  /practice post-now                        post today's question now
  reply TEXT                                answer the open question in its thread; with
                                            blind answers (/practice subscribe answers=blind)
                                            it is kept hidden until the reveal (no form here:
                                            `reply` again replaces it); after the reveal it
                                            is kept as a late answer
  /practice reveal-now                      show the model answer now
  /practice recap-now                       the weekly recap now (its picture is saved to a file)
  /practice pack import PATH [into=NAME]    import a pack file (CSV, JSON, YAML, .apkg) from
                                            this machine; quote a path with spaces
  /practice pack export [PACK] [FORMAT]     save a pack as a file in the current directory
  /streaks   /streaks me   /question        the board, your streak, a random question
  /streaks hide   /streaks show             leave your row off the board, or put it back
  /practice away add 2026-12-24             your own away day: a question you miss keeps your streak
  /bookmarks   /review   /review remind on    your bookmarks, a review, a daily reminder
  :user NAME                                become another person (you are '{user}'),
                                            like :user ana or :user "chen li"
  :press NUMBER | LABEL                     press a button by the number or label listed
                                            under its message, like :press 2 or :press Bookmark
  /practice suggest                         suggest a question: a form asks for each field in
                                            turn (a line with only . ends one of several lines;
                                            :cancel stops); admins: /practice queue, approve N,
                                            edit N (the same form), reject N REASON
  :help  :quit"""


@dataclasses.dataclass
class Filling:
    """A form being filled in: whose, which field is next, what was typed so far."""

    caller: Caller
    form: Form
    index: int = 0
    values: dict[str, str] = dataclasses.field(default_factory=dict)
    lines: list[str] = dataclasses.field(default_factory=list)  # of a field of several lines


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
        exports: Path | None = None,
    ) -> None:
        self._files = files or Path.cwd()  # pictures (the weekly recap's) are written here
        self._here = exports or Path.cwd()  # exported packs are saved, and import paths start, here
        self._stdin = stdin
        self._out = stdout
        self._now = now
        self.user = _person(user or _login_name())
        self._service: PracticeService | None = None
        self._ansi = _isatty(stdout)  # bold and code in colour only for a person's terminal
        self._edits = _isatty(stdin) and stdin is sys.stdin  # readline: line editing and history
        self._zone = "UTC"  # the channel's zone once it is subscribed: times are shown in it
        self._buttons: dict[str, str] = {}  # a number or label shown -> the button's action
        self._shown = 0
        self._filling: Filling | None = None  # a form being filled in, field by field

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
        """Print the message and write the picture into a `recaps/` folder beside the database."""
        path = self._files / "recaps" / picture.filename
        await asyncio.to_thread(_write, path, picture.data)
        self._print(f"\n--- in #{channel.channel_id} ---")
        self._print(self.render(message))
        self._print(f"(picture, {picture.width}x{picture.height}: {path.resolve()})")

    # ------------------------------------------------------------ front end

    async def run(self, service: PracticeService, stop: asyncio.Event | None = None) -> None:
        """Read lines until `:quit`, end of input or `stop`."""
        self._service = service
        stop = stop or asyncio.Event()
        asked = threading.Event()  # set when the next line is wanted: input() shows its prompt then
        lines = _line_reader(self._stdin, lambda: f"{self.user.name}> " if self._edits else None, asked)
        self._print(f"practicebot terminal channel #{CHANNEL.channel_id}. You are '{self.user.name}'.")
        self._print("Type :help for commands, :quit to leave.")
        while not stop.is_set():
            self._prompt()
            asked.set()
            reader = asyncio.ensure_future(lines.get())
            stopper = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
            for task in (reader, stopper):
                if task not in done:
                    task.cancel()
            if reader not in done:
                break
            line = reader.result()
            if line is None or not await self.handle_line(line.rstrip("\r\n")):
                break

    async def handle_line(self, line: str) -> bool:
        """One typed line; False to leave. While a form is being filled in, the line is its
        next field's (or part of it: several lines keep their indentation)."""
        assert self._service is not None
        if self._filling is not None and line.strip() not in (":quit", ":q", ":exit"):
            await self._fill(line)
            return True
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        caller = Caller(CHANNEL, self.user, is_admin=True)
        await self._follow_zone()
        if line == ":help":
            self._print(SHELL_HELP.format(user=self.user.name) + "\n\n" + HELP)
        elif line.startswith(":user"):
            name = _unquoted(line[len(":user") :].strip())
            if not name:
                self._print(f"You are '{self.user.name}'. `:user NAME` becomes someone else.")
            else:
                self.user = _person(name)
                self._print(f"You are now '{self.user.name}'.")
        elif line.startswith(":press"):
            await self._press(caller, _unquoted(line[len(":press") :].strip()))
        elif line.startswith("/"):
            await self._command(caller, line)
        elif line == "reply" or line.startswith("reply "):
            await self._reply(line[len("reply") :].strip())
        else:
            self._print("Type :help for commands, or `reply TEXT` to answer the open question.")
        return True

    async def _command(self, caller: Caller, line: str) -> None:
        assert self._service is not None
        try:
            command = await self._parsed(line)
        except UserError as exc:
            self._show(Response.text(exc.message))
            return
        response = await self._service.handle(caller, command)
        await self._follow_zone()  # a subscribe may have changed it
        self._answered(caller, response)
        if response.attachment is not None:
            try:
                path = await asyncio.to_thread(save_new, self._here, response.attachment)
            except UserError as exc:
                self._print(exc.message)
            else:
                self._print(f"(saved as {_visible(str(path))})")

    async def _parsed(self, line: str) -> Command:
        """The command typed; `/practice pack import PATH [into=NAME]` reads the file at PATH
        (from the current directory) into the command, as a chat platform attaches one."""
        if [w.lower() for w in line.split()[:3]] != ["/practice", "pack", "import"]:
            return parse_line(line)
        try:
            words = shlex.split(line)[3:]
        except ValueError as exc:
            raise CommandError(
                f'cannot read that line: {exc} (quote a path with spaces like "my pack.csv")'
            ) from None
        paths = [w for w in words if not w.lower().startswith("into=")]
        if len(paths) != 1:
            raise CommandError(
                "give the pack file's path once: /practice pack import questions.csv [into=NAME]"
                + (f" (got {len(paths)})" if paths else "")
            )
        command = parse_line(" ".join(["/practice pack import", *(w for w in words if w not in paths)]))
        assert isinstance(command, Practice)
        attachment = await asyncio.to_thread(read_pack_file, self._here, paths[0])
        return dataclasses.replace(command, attachment=attachment)

    async def _press(self, caller: Caller, name: str) -> None:
        assert self._service is not None
        if not name:
            self._print("Press a button by its number or label, like :press 2 or :press Bookmark.")
            return
        action = self._action(name)
        if action is None:
            self._print(
                f"There is no button '{shown(name)}' here: press one by the number or label "
                "listed under a message, like :press 2 or :press Bookmark."
            )
            return
        self._answered(caller, await self._service.handle_action(caller, action))

    def _answered(self, caller: Caller, response: Response) -> None:
        """An answer to show, or a form of several fields to fill in, one field at a time (a
        one-box form, a blind answer, is written with `reply TEXT`, as its message says)."""
        if response.form is not None and len(response.form.fields) > 1:
            self._filling = Filling(caller, response.form)
            self._print(f"\n--- form: {_visible(response.form.title)} (only you can see this) ---")
            for message in response.messages:
                self._print(self.render(message))
            self._ask_field()
            return
        self._show(response)

    def _ask_field(self) -> None:
        assert self._filling is not None
        filling = self._filling
        field = filling.form.fields[filling.index]
        number = f"[{filling.index + 1}/{len(filling.form.fields)}]"
        self._print(f"{number} {_visible(field.label)} (at most {field.max_length} characters)")
        if field.error:
            self._print(f"  refused: {_visible(field.error)}")
        if field.value:
            shown_now = "\n".join(f"    {_visible(line)}" for line in field.value.splitlines())
            self._print(f"  now:\n{shown_now}")
        keep = " keeps it" if field.value else " leaves it empty"
        if field.multiline:
            self._print(f"  (type its lines, then a line with only . to end it; . at once{keep})")
        else:
            self._print(f"  (one line; an empty line{keep})")

    async def _fill(self, line: str) -> None:
        """The next line of the form being filled in; the last field sends it."""
        assert self._service is not None and self._filling is not None
        filling = self._filling
        if line.strip() == ":cancel":
            self._filling = None
            self._print("Cancelled: nothing was sent.")
            return
        field = filling.form.fields[filling.index]
        if field.multiline and line.strip() != ".":
            filling.lines.append(line)
            return
        typed = "\n".join(filling.lines) if field.multiline else line.strip()
        filling.values[field.name] = typed if typed.strip() else field.value
        filling.lines = []
        filling.index += 1
        if filling.index < len(filling.form.fields):
            self._ask_field()
            return
        self._filling = None
        response = await self._service.submit_form(filling.caller, filling.form.action, filling.values)
        if response.form is not None and len(response.form.fields) > 1:  # refused: asked again, as typed
            self._print(f"(only you can see this)\nNot sent yet: {_visible(response.form.error)}")
            self._filling = Filling(filling.caller, response.form)
            self._ask_field()
            return
        self._show(response)

    async def _follow_zone(self) -> None:
        assert self._service is not None
        subscription = await self._service.store.subscription_for(CHANNEL)
        self._zone = subscription.settings.schedule.timezone if subscription else "UTC"

    async def _reply(self, text: str) -> None:
        assert self._service is not None
        if not text:
            self._print("Write your answer after `reply`, like: reply frames are masked because ...")
            return
        blind_post = await self._service.blind.open_post_id(CHANNEL)
        if blind_post is not None:  # the terminal's form: the text goes in hidden
            caller = Caller(CHANNEL, self.user, is_admin=True)
            typed = {blind.ANSWER_FIELD: text}
            response = await self._service.submit_form(caller, blind.action(blind_post), typed)
            self._show(dataclasses.replace(response, form=None))
            return
        thread, late = await self._service.open_thread(CHANNEL), False
        if thread is None:  # after the reveal a reply still goes in the thread, as a late answer
            thread, late = await self._revealed_thread(), True
        if thread is None:
            self._print("There is no question to answer yet. /practice post-now posts one.")
            return
        counted = await self._service.record_reply(CHANNEL, thread, self.user, self._now())
        self._print(f"[thread] {self.user.name}: {_visible(text)}")
        if not counted:
            self._print("(you already answered this question; your first answer is the one that counts)")
        elif late:
            self._print("(the answer is already revealed: yours is kept as a late answer)")

    async def _revealed_thread(self) -> str | None:
        """The thread of the channel's newest post, once it is revealed."""
        assert self._service is not None
        subscription = await self._service.store.subscription_for(CHANNEL)
        post = await self._service.store.last_post(subscription.id) if subscription else None
        return post.thread_id if post is not None and post.revealed_at is not None else None

    # ------------------------------------------------------------ rendering

    def render(self, message: Message) -> str:
        """The message as a terminal shows it: Markdown as bold and code (ANSI only on a tty),
        times in the channel's zone, and each button with a short number to press it by.
        Nothing a person typed reaches the terminal as a control character."""
        parts: list[str] = []
        if message.title:
            parts.append(f"== {self._text(message.title)} ==")
        if message.body:
            parts.append(self._text(message.body))
        for field in message.fields:
            name, value = _visible(field.name), self._text(field.value)
            if "\n" in value:
                parts.append(f"{name}:\n" + "\n".join(f"  {line}" for line in value.splitlines()))
            else:
                parts.append(f"{name}: {value}")
        if message.buttons:
            parts.append("  ".join(f"[{self._number(b)}] {_visible(b.label)}" for b in message.buttons))
            parts.append("  (:press NUMBER or :press LABEL)")
        if message.footer:
            parts.append(f"({self._text(message.footer)})")
        return "\n".join(parts)

    def _number(self, button: Button) -> int:
        """Buttons are numbered as they are shown, across the session, so a number means one button."""
        self._shown += 1
        label = button.label.strip().lower()
        self._buttons.pop(label, None)  # the latest button with a label is the one it presses
        self._buttons[str(self._shown)] = self._buttons[label] = button.action
        while len(self._buttons) > MAX_REMEMBERED:
            del self._buttons[next(iter(self._buttons))]
        return self._shown

    def _action(self, name: str) -> str | None:
        """What `:press NAME` presses: a number or a label shown, or a button's own action id."""
        name = name.strip()
        found = self._buttons.get(name.lower())
        if found is not None:
            return found
        return name if ":" in name else None  # an action id: the service says what it still does

    def _text(self, markdown: str) -> str:
        text = _MOMENT.sub(lambda m: self._moment(int(m[1]), m[2]), markdown)
        text = _PERSON.sub(r"\1", text)
        return _markdown(text, ansi=self._ansi)

    def _moment(self, timestamp: int, style: str) -> str:
        try:
            at = datetime.fromtimestamp(timestamp, UTC)
        except (OverflowError, OSError, ValueError):
            return str(timestamp)
        if style == "R":
            return format_relative(at - self._now())
        return at.astimezone(ZoneInfo(self._zone)).strftime("%a %d %b %Y %H:%M %Z")

    def _show(self, response: Response) -> None:
        for message in response.messages:
            if response.private:
                self._print("(only you can see this)")
            self._print(self.render(message))

    def _print(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def _prompt(self) -> None:
        if self._stdin.isatty() and not self._edits:
            self._out.write(f"{self.user.name}> ")
            self._out.flush()


MAX_REMEMBERED = 2000  # button names kept for :press
_SGR = {"bold": ("\x1b[1m", "\x1b[22m"), "code": ("\x1b[36m", "\x1b[39m")}
# one pass: a backslash escape (people's text, see messages.plain), **bold**, `code`, or a fence line
_INLINE = re.compile(r"\\([\\`*_~|>\[\]()#<@!&:])|\*\*(.+?)\*\*|`([^`\n]+)`|^[ \t]*(?:```|~~~).*$", re.M)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _visible(text: str) -> str:
    """Text with every control character shown as an escape (`\\x1b`), so nothing typed can move
    the cursor, colour the terminal or reorder what follows. Newlines and tabs stay."""
    return "".join(
        ch
        if ch in "\n\t" or not (unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI)
        else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def _markdown(text: str, *, ansi: bool) -> str:
    """The Markdown the bot writes, as a terminal shows it: bold and code in ANSI on a tty, plain
    text otherwise; fences dropped (the code stays on its own lines); escapes undone."""

    def styled(kind: str, inner: str) -> str:
        shown = _visible(_INLINE.sub(lambda m: m[1] if m[1] is not None else m[0], inner))
        if not ansi:  # plain text keeps code's backticks (they say "type this"), drops bold's stars
            return f"`{shown}`" if kind == "code" else shown
        start, stop = _SGR[kind]
        return f"{start}{shown}{stop}"

    def one(match: re.Match[str]) -> str:
        if match[1] is not None:
            return _visible(match[1])
        if match[2] is not None:
            return styled("bold", match[2])
        if match[3] is not None:
            return styled("code", match[3])
        return ""  # a code fence line

    out: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        out.append(_visible(text[last : match.start()]))
        out.append(one(match))
        last = match.end()
    out.append(_visible(text[last:]))
    return "".join(out)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(data)
    partial.replace(path)  # never a half-written picture at the path printed


def _unquoted(text: str) -> str:
    """`"chen li"` or `'chen li'` -> chen li: quotes around the whole are not part of it."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    return text


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real file
        return False


def _person(name: str) -> User:
    clean = " ".join("".join(ch for ch in name if ch.isprintable()).split())[:40] or "someone"
    return User(id=f"terminal:{clean.lower()}", name=clean)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"


def _line_reader(
    stream: TextIO, prompt: Callable[[], str | None], asked: threading.Event
) -> asyncio.Queue[str | None]:
    """Lines from a blocking stream, read by a daemon thread so a stop never waits on it.
    None marks the end of input. When `prompt` gives a prompt, lines come from input() with
    the standard library's readline loaded: arrow keys edit the line, up and down go through
    this session's history; each prompt waits for `asked`, so it comes after the answer to the
    line before. Otherwise (pipes, the tests) the stream is read line by line."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def typed() -> Iterator[str]:
        with contextlib.suppress(ImportError):  # not on every platform (Windows)
            import readline  # noqa: F401 - loading it gives input() line editing and history
        while asked.wait():
            asked.clear()
            try:
                yield input(prompt() or "")
            except EOFError:
                return

    def pump() -> None:
        try:
            for line in typed() if prompt() is not None else stream:
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError, KeyboardInterrupt):
            pass
        finally:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="terminal-input", daemon=True).start()
    return queue
