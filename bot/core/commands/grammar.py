"""The command grammar, parsed once for every platform.

Text platforms (Slack, the terminal channel) pass the words people typed to `parse`; Discord
passes its typed options to `subscribe_args`. Either way the same validators run and a bad
argument is refused with a specific message.

    /practice subscribe [time] [timezone] [days] [reveal] [levels] [order] [answers] [packs]
    /practice pack import [into=NAME] | pack export [PACK] [format]   /practice next [QUESTION-ID]
    /practice unsubscribe | pause | resume | status | post-now | reveal-now | help
    /practice holidays [add|remove DATES]   /practice new-season [confirm N]
    /practice recap [<day> <HH:MM> | off] | recap-now
    /practice away [add|remove DATES]
    /practice suggest | queue | approve N | edit N | reject N REASON
    /question [level]
    /streaks [me | hide | show]
    /bookmarks [remove <number|question id>]
    /review [remind on|off]

`subscribe` takes its arguments positionally (recognised by their shape) or as `key=value`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from bot.core.blind.rules import AnswersError, parse_answers
from bot.core.calendar.holidays import HolidayArgs, HolidayError, holiday_args
from bot.core.daily.schedule import (
    DAY_ALIASES,
    DAY_NAMES,
    ScheduleError,
    parse_days,
    parse_reveal,
    parse_time,
    parse_timezone,
    zone_for_city,
)
from bot.core.personal.away import away_args
from bot.core.recap.rules import RecapTime, parse_recap
from bot.core.shared.errors import NotAllowed, UserError, shown
from bot.core.shared.messages import Attachment
from bot.core.shared.models import LEVELS, Order, Reveal
from bot.core.shared.typos import closest, did_you_mean

MAX_INPUT = 500
COMMAND_NAMES = ("practice", "question", "streaks", "bookmarks", "review")
SUBSCRIBE_KEYS = ("time", "timezone", "days", "reveal", "levels", "order", "answers", "packs")
_KEY_ALIASES = {"tz": "timezone", "zone": "timezone", "level": "levels", "day": "days", "pack": "packs"}
PACK_FORMATS = ("csv", "json", "yaml", "apkg")
MAX_PACKS = 20  # packs one channel draws from
_PACK_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
_QUESTION_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,59}/[a-z0-9][a-z0-9-]{0,99}")
ADMIN_ACTIONS = frozenset(
    {
        "subscribe",
        "unsubscribe",
        "pause",
        "resume",
        "post-now",
        "reveal-now",
        "new-season",
        "recap",
        "recap-now",
        "next",
        *("queue", "approve", "edit", "reject"),  # the suggestions' review (bot/core/suggest)
    }
)
# `holidays` lists for anyone, its add and remove are for admins; `pack export` is for anyone,
# `pack import` for admins (checked by the service); `away` is anyone's own
PRACTICE_ACTIONS = (
    *sorted(ADMIN_ACTIONS), "status", "holidays", "away", "pack", "forget-me", "suggest", "help",
)  # fmt: skip
STREAKS_WORDS = ("me", "hide", "show")
SUGGEST_ACTIONS = frozenset({"suggest", "queue", "approve", "edit", "reject"})  # bot/core/suggest
NUMBERED_ACTIONS = ("approve", "edit", "reject")  # take a suggestion's number: approve 3
CONFIRMED_ACTIONS = frozenset({"forget-me", "new-season"})  # asked twice: the second with `confirm`


class CommandError(UserError):
    """The words typed do not make a command; the message says which word and why."""


@dataclass(frozen=True, slots=True)
class SubscribeArgs:
    """Only what the caller gave; the rest comes from config defaults or the old settings."""

    time: time | None = None
    timezone: str | None = None
    days: frozenset[int] | None = None
    reveal: Reveal | None = None
    levels: tuple[str, ...] | None = None
    order: Order | None = None
    blind: bool | None = None  # answers=blind (True) or answers=open (False)
    packs: tuple[str, ...] | None = None  # pack ids; () is packs=all: the default packs


@dataclass(frozen=True, slots=True)
class RecapChange:
    """`/practice recap fri 16:00` (a new time) or `/practice recap off` (setting None)."""

    setting: RecapTime | None


@dataclass(frozen=True, slots=True)
class PackArgs:
    """`/practice pack import [into=NAME]` (the file comes as `Practice.attachment`) or
    `/practice pack export [PACK] [format=csv|json|yaml|apkg]`."""

    verb: str  # "import" or "export"
    into: str | None = None  # import: the pack to create or update; None: the channel's own
    pack: str | None = None  # export: which pack; None: the channel's
    format: str | None = None  # export: csv, json, yaml or apkg; None: the default


@dataclass(frozen=True, slots=True)
class Practice:
    action: str  # one of PRACTICE_ACTIONS
    subscribe: SubscribeArgs | None = None
    confirm: bool = False  # forget-me, new-season: the second, confirming call
    season: int | None = None  # new-season confirm N: the season it starts (a replay is refused)
    holidays: HolidayArgs | None = None
    away: HolidayArgs | None = None  # away: the caller's own away days, in the holidays' words
    recap: RecapChange | None = None  # recap: None shows the current setting
    pack: PackArgs | None = None
    question: str | None = None  # next: the question id chosen for the next post
    attachment: Attachment | None = None  # the file sent with the command (pack import), set by the adapter
    suggestion: int | None = None  # approve, edit, reject: the suggestion's number in /practice queue
    reason: str = ""  # reject: why, as typed (told to the author)


@dataclass(frozen=True, slots=True)
class AskQuestion:
    level: str | None = None


@dataclass(frozen=True, slots=True)
class ShowStreaks:
    me: bool = False
    hide: bool | None = None  # /streaks hide (True) or /streaks show (False): the caller's row on the board


@dataclass(frozen=True, slots=True)
class ShowBookmarks:
    remove: str | None = None  # a number from the list or a question id, resolved by the service


@dataclass(frozen=True, slots=True)
class Review:
    remind: bool | None = None  # None: deal the next card; True/False: the daily reminder on/off


Command = Practice | AskQuestion | ShowStreaks | ShowBookmarks | Review

HELP = """\
/practice subscribe [time] [timezone] [days] [reveal] [levels] [order] [answers] [packs]
    Post a question here every scheduled day (admins). Defaults: 09:00 UTC mon-fri,
    reveal after 8h, all levels, progressive, answers=open. Example:
    /practice subscribe 09:00 Europe/Berlin mon-fri reveal=8h levels=beginner,intermediate
    answers=blind: answers go through a private form and appear together at the reveal
    reveal: whole minutes, hours or days (90m, 8h, 2d), before the next post; or next
    packs: the packs to draw from, like packs=websockets-realtime,team-onboarding (all: the
    configured packs and this channel's own questions)
    Subscribing again changes only what you give; the rest stays as it was.
/practice unsubscribe | pause | resume    stop, hold or continue; history is kept (admins)
/practice post-now | reveal-now           post today's question now / reveal the open one (admins)
/practice status                          schedule, next post, progress through each pack
/practice next QUESTION-ID                post this question next, out of order (admins)
/practice pack import [into=NAME]         import the attached CSV, JSON, YAML or Anki .apkg file
                                          (admins); without into= it joins this channel's own pack
/practice pack export [PACK] [csv|json|yaml|apkg]  a pack as a file (default: this channel's own)
/practice holidays [add|remove DATES]     list the coming holidays; add or remove some (admins):
    /practice holidays add 2026-12-24 2026-12-31..2027-01-01   (dates in the channel's zone)
/practice new-season                      start the board from zero, best ever stays (admins, asks first)
/practice recap [<day> <HH:MM> | off]     the weekly recap's day and time here, or off (admins)
/practice recap-now                       send a recap of the last seven days now (admins)
/practice away [add|remove DATES]         your own away days: a question you miss keeps your streak:
    /practice away add 2026-12-24 2026-12-31..2027-01-01       (dates in the channel's zone)
/practice forget-me                       delete your answers and streaks here (asks to confirm)
/practice suggest                         suggest a question for this channel (a private form)
/practice queue                           the suggestions waiting for review (admins)
/practice approve N | edit N              add suggestion N to the channel's pack as it is, or open
                                          it in the form first: sending it approves it (admins)
/practice reject N REASON                 turn suggestion N down; its author is told why (admins)
/question [beginner|intermediate|advanced]  a random question, just for you
/streaks [me]                             the channel's streak board, or your own streak
/streaks hide | show                      leave your row off this channel's board, or put it back
/bookmarks                                your bookmarked questions and when each is due
/bookmarks remove <number|question id>    forget one bookmark
/review                                   deal your most overdue bookmarked question, just for you
/review remind on|off                     a private nudge at this channel's post time when reviews are due"""


def parse(name: str, text: str, *, admin: bool = True) -> Command:
    """`parse("practice", "subscribe 09:00 Europe/Berlin")`; the name may carry its slash.
    With `admin=False` an admin command is refused before its arguments are even read, so
    whatever a non-admin types after it gets the same answer: it is for admins."""
    if len(text) > MAX_INPUT:
        raise CommandError(f"that is {len(text)} characters; commands take at most {MAX_INPUT}")
    words = text.split()
    command = name.strip().lstrip("/").lower()
    if command == "practice":
        if not admin:
            refuse_unless_admin(words)
        return _practice(words)
    if command == "question":
        if len(words) > 1:
            raise CommandError("/question takes at most one level, like /question beginner")
        return AskQuestion(level=parse_level(words[0]) if words else None)
    if command == "streaks":
        return _streaks(words)
    if command == "bookmarks":
        return _bookmarks(words)
    if command == "review":
        return _review(words)
    near = closest(command, COMMAND_NAMES)
    hint = f" - did you mean /{near}?" if near else ": try /practice help"
    raise CommandError(f"unknown command '/{shown(command)}'{hint}")


def parse_line(line: str, *, admin: bool = True) -> Command:
    """A whole typed line: `/practice status`."""
    name, _, rest = line.strip().partition(" ")
    if not name.startswith("/"):
        raise CommandError("commands start with /, like /practice help")
    return parse(name, rest, admin=admin)


def refuse_unless_admin(words: list[str]) -> None:
    """NotAllowed for `/practice WORDS` that only admins may run (the service checks again)."""
    action = words[0].lower() if words else ""
    if action in ADMIN_ACTIONS:
        raise NotAllowed(f"/practice {action} is for channel admins.")
    verb = words[1].lower() if len(words) > 1 else ""
    if action == "holidays" and verb in ("add", "remove"):
        raise NotAllowed(f"/practice holidays {verb} is for channel admins.")
    if action == "pack" and verb == "import":
        raise NotAllowed("/practice pack import is for channel admins.")


def _practice(words: list[str]) -> Practice:
    if not words:
        return Practice("help")
    action = words[0].lower()
    if action not in PRACTICE_ACTIONS:
        near = closest(action, PRACTICE_ACTIONS)
        hint = f" - did you mean /practice {near}?" if near else f": use {', '.join(PRACTICE_ACTIONS)}"
        raise CommandError(f"unknown /practice action '{shown(words[0])}'{hint}")
    if action == "subscribe":
        return Practice(action, subscribe=_subscribe_words(words[1:]))
    if action in ("holidays", "away"):
        try:
            if action == "away":
                return Practice(action, away=away_args(words[1:]))
            return Practice(action, holidays=holiday_args(words[1:]))
        except HolidayError as exc:
            raise CommandError(exc.message) from exc
    if action in NUMBERED_ACTIONS:
        return _decision(action, words[1:])
    if action == "pack":
        return Practice(action, pack=pack_args(words[1:]))
    if action == "next" and len(words) > 1:
        if len(words) > 2:
            raise CommandError("/practice next takes one question id, like websockets-realtime/beginner-01")
        return Practice(action, question=parse_question_id(words[1]))
    if action == "recap" and len(words) > 1:
        return Practice(action, recap=RecapChange(parse_recap(words[1:])))
    if action in CONFIRMED_ACTIONS and [w.lower() for w in words[1:]] == ["confirm"]:
        return Practice(action, confirm=True)
    if action == "new-season" and len(words) == 3 and words[1].lower() == "confirm":
        if not re.fullmatch(r"[0-9]{1,6}", words[2]):
            raise CommandError(
                f"/practice new-season confirm takes the season number, not '{shown(words[2])}'"
            )
        return Practice(action, confirm=True, season=int(words[2]))
    if len(words) > 1:
        raise CommandError(f"/practice {action} takes no arguments (got '{shown(words[1])}')")
    return Practice(action)


def _decision(action: str, words: list[str]) -> Practice:
    """`approve 3`, `edit 3`, `reject 3 too close to question 12`: a number from /practice queue
    (a leading # allowed); reject wants a reason, the others nothing more."""
    usage = f"/practice {action} N" + (" REASON" if action == "reject" else "")
    if not words:
        raise CommandError(f"{usage}: give the suggestion's number from /practice queue")
    number = words[0].removeprefix("#")
    if not re.fullmatch(r"[0-9]{1,9}", number) or int(number) == 0:
        raise CommandError(f"{usage}: '{shown(words[0])}' is not a suggestion number (see /practice queue)")
    if action == "reject":
        if len(words) < 2:
            raise CommandError(f"{usage}: say why, like /practice reject {number} already in the pack")
        return Practice(action, suggestion=int(number), reason=" ".join(words[1:]))
    if len(words) > 1:
        raise CommandError(f"/practice {action} takes only the number (got '{shown(words[1])}')")
    return Practice(action, suggestion=int(number))


def pack_args(words: list[str]) -> PackArgs:
    """`import [into=NAME]` or `export [PACK] [format]` (format=F and pack=P also as keys)."""
    verb = words[0].lower() if words else ""
    if verb not in ("import", "export"):
        shown_verb = f" '{shown(words[0])}'" if words else ""
        raise CommandError(f"/practice pack takes import or export{shown_verb and ', not' + shown_verb}")
    given: dict[str, str] = {}
    for word in words[1:]:
        key, eq, value = word.partition("=")
        key = key.lower() if eq else ("format" if word.lower() in PACK_FORMATS else "pack")
        value = value if eq else word
        allowed = ("into",) if verb == "import" else ("pack", "format")
        if key not in allowed:
            usage = "into=NAME" if verb == "import" else "a pack and a format"
            raise CommandError(f"/practice pack {verb} takes {usage}, not '{shown(word)}'")
        if key in given:
            raise CommandError(f"{key} is given twice ('{shown(given[key])}' and '{shown(value)}')")
        given[key] = value
    fmt = given.get("format")
    if fmt is not None and fmt.lower() not in PACK_FORMATS:
        raise CommandError(f"unknown format '{shown(fmt)}': choose {', '.join(PACK_FORMATS)}")
    into, pack = given.get("into"), given.get("pack")
    return PackArgs(
        verb,
        into=parse_pack_id(into) if into is not None else None,
        pack=parse_pack_id(pack) if pack is not None else None,
        format=fmt.lower() if fmt is not None else None,
    )


def parse_pack_id(text: str) -> str:
    pack = text.strip().lower()
    if not _PACK_ID.fullmatch(pack):
        raise CommandError(f"'{shown(text)}' is not a pack id: lowercase letters, digits and -, at most 60")
    return pack


def parse_packs(text: str) -> tuple[str, ...]:
    """`all` (the default packs: ()), or pack ids separated by commas, in the order given."""
    if text.strip().lower() == "all":
        return ()
    packs = tuple(dict.fromkeys(parse_pack_id(part) for part in text.split(",") if part.strip()))
    if not packs:
        raise CommandError("packs is empty: give pack ids, like packs=websockets-realtime, or all")
    if len(packs) > MAX_PACKS:
        raise CommandError(f"that is {len(packs)} packs; a channel draws from at most {MAX_PACKS}")
    return packs


def parse_question_id(text: str) -> str:
    qid = text.strip().lower()
    if not _QUESTION_ID.fullmatch(qid):
        raise CommandError(
            f"'{shown(text)}' is not a question id: PACK/NAME, like websockets-realtime/beginner-01"
            " (/question shows ids)"
        )
    return qid


def _streaks(words: list[str]) -> ShowStreaks:
    if not words:
        return ShowStreaks()
    word = words[0].lower() if len(words) == 1 else ""
    if word == "me":
        return ShowStreaks(me=True)
    if word in ("hide", "show"):
        return ShowStreaks(hide=word == "hide")
    near = closest(words[0].lower(), STREAKS_WORDS) if len(words) == 1 else None
    hint = f" - did you mean /streaks {near}?" if near else ""
    raise CommandError(
        f"/streaks takes nothing, 'me', 'hide' or 'show', not '{shown(' '.join(words))}'{hint}"
    )


def _bookmarks(words: list[str]) -> ShowBookmarks:
    if not words:
        return ShowBookmarks()
    if words[0].lower() != "remove":
        raise CommandError(f"/bookmarks takes nothing or 'remove <number>', not '{shown(words[0])}'")
    if len(words) != 2:
        raise CommandError(
            "/bookmarks remove takes one bookmark: its number in /bookmarks or its question id"
        )
    return ShowBookmarks(remove=words[1])


def _review(words: list[str]) -> Review:
    if not words:
        return Review()
    if words[0].lower() != "remind":
        raise CommandError(f"/review takes nothing or 'remind on|off', not '{shown(words[0])}'")
    switch = [w.lower() for w in words[1:]]
    if switch not in (["on"], ["off"]):
        raise CommandError("/review remind takes on or off, like /review remind on")
    return Review(remind=switch == ["on"])


def _subscribe_words(words: list[str]) -> SubscribeArgs:
    given: dict[str, str] = {}
    for word in words:
        if "=" in word:
            raw_key, _, value = word.partition("=")
            key = _KEY_ALIASES.get(raw_key.lower(), raw_key.lower())
            if key not in SUBSCRIBE_KEYS:
                raise CommandError(
                    f"unknown option '{shown(raw_key)}'{did_you_mean(raw_key, SUBSCRIBE_KEYS)}: "
                    f"use {', '.join(SUBSCRIBE_KEYS)}"
                )
        else:
            key, value = _kind_of(word), word
        if key in given:
            raise CommandError(f"{key} is given twice ('{shown(given[key])}' and '{shown(value)}')")
        given[key] = value
    return subscribe_args(given)


def _kind_of(word: str) -> str:
    """Which subscribe option a positional word is, by its shape."""
    lower = word.lower()
    if re.fullmatch(r"-?\d+:\d+", lower):
        return "time"
    if lower == "next" or re.fullmatch(r"-?\d+[dhm]\w*", lower):
        return "reveal"
    if lower in ("progressive", "shuffled"):
        return "order"
    if lower in ("blind", "open"):
        return "answers"
    if lower == "all" or all(part in LEVELS for part in lower.split(",")):
        return "levels"
    if re.fullmatch(r"[a-z,-]+", lower) and any(lower.startswith(d) for d in (*DAY_NAMES, "daily", "week")):
        return "days"
    if "/" in word or lower in ("utc", "gmt") or word[:1].isupper():
        return "timezone"
    raise CommandError(
        f"'{shown(word)}' is not a time (09:00), time zone (Europe/Berlin), days (mon-fri), "
        "reveal delay (8h or next), level (beginner,intermediate or all), order "
        f"(progressive or shuffled) or answers (blind or open){_word_hint(word)}"
    )


_WORDS = ("next", "progressive", "shuffled", "blind", "open", "all", *LEVELS, *DAY_ALIASES, *DAY_NAMES)


def _word_hint(word: str) -> str:
    """` - did you mean Europe/Berlin?` for `berlin`, `shuffled` for `shufled`; or nothing."""
    zone = zone_for_city(word)
    if zone:
        return f" - did you mean {zone}?"
    return did_you_mean(word, _WORDS)


def subscribe_args(given: dict[str, str], *, admin: bool = True) -> SubscribeArgs:
    """Validate raw option values (from words or from Discord's typed options); a non-admin's
    are not read at all."""
    if not admin:
        refuse_unless_admin(["subscribe"])
    unknown = set(given) - set(SUBSCRIBE_KEYS)
    if unknown:
        raise CommandError(f"unknown option '{shown(min(unknown))}': use {', '.join(SUBSCRIBE_KEYS)}")
    try:
        return SubscribeArgs(
            time=parse_time(given["time"]) if "time" in given else None,
            timezone=parse_timezone(given["timezone"]) if "timezone" in given else None,
            days=parse_days(given["days"]) if "days" in given else None,
            reveal=parse_reveal(given["reveal"]) if "reveal" in given else None,
            levels=parse_levels(given["levels"]) if "levels" in given else None,
            order=parse_order(given["order"]) if "order" in given else None,
            blind=parse_answers(given["answers"]) if "answers" in given else None,
            packs=parse_packs(given["packs"]) if "packs" in given else None,
        )
    except (ScheduleError, AnswersError) as exc:
        raise CommandError(exc.message) from exc


def parse_level(text: str) -> str:
    level = text.strip().lower()
    if level not in LEVELS:
        raise CommandError(f"unknown level '{shown(text)}': choose {', '.join(LEVELS)}")
    return level


def parse_levels(text: str) -> tuple[str, ...]:
    """`all`, `beginner`, `beginner,intermediate` -> levels in deck order."""
    if text.strip().lower() == "all":
        return LEVELS
    wanted = {parse_level(part) for part in text.split(",") if part.strip()}
    if not wanted:
        raise CommandError("levels is empty: give beginner, intermediate, advanced or all")
    return tuple(level for level in LEVELS if level in wanted)


def parse_order(text: str) -> Order:
    try:
        return Order(text.strip().lower())
    except ValueError:
        raise CommandError(f"unknown order '{shown(text)}': choose progressive or shuffled") from None
