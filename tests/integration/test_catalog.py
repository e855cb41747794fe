"""Packs from chat, per-channel packs and /practice next through the real service, on a real
database (SQLite and PostgreSQL), time on a fake clock: what an admin and the channel see."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.catalog.desk import MAX_STORED_PACKS
from bot.core.catalog.ports import Draft, StoredPack
from bot.core.commands.grammar import parse_line
from bot.core.daily.questions import load_bank, own_pack_id
from bot.core.shared.messages import ATTACHMENT_MAX_BYTES, Attachment, Response
from bot.core.shared.models import Caller, ChannelRef, User
from bot.packs.formats import reader
from tests.conftest import CHANNEL, OTHER_CHANNEL, Harness, write_pack

ANA, BO = User("u-ana", "Ana"), User("u-bo", "Bo")
ELSEWHERE = ChannelRef("fake", "W2", "C9")  # another workspace on the same bot
MONDAY_0600 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
NO_COOLDOWN = timedelta(0)
OWN = own_pack_id(CHANNEL)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, 2 + day, hour, 0, tzinfo=UTC)


def csv_file(name: str, *rows: dict[str, str]) -> Attachment:
    out = io.StringIO()
    columns = sorted({key for row in rows for key in row})
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return Attachment(name, out.getvalue().encode())


def row(title: str, level: str = "beginner", **extra: str) -> dict[str, str]:
    return {
        "level": level,
        "title": title,
        "summary": f"The short answer to {title}",
        "answer": f"The model answer to {title}",
        "key_point_1": "the point",
        **extra,
    }


async def say(
    h: Harness,
    line: str,
    user: User = ANA,
    admin: bool = True,
    file: Attachment | None = None,
    channel: ChannelRef = CHANNEL,
) -> Response:
    command = parse_line(line)
    if file is not None:
        command = replace(command, attachment=file)  # as the adapters attach it
    return await h.service.handle(Caller(channel, user, admin), command)


def text(response: Response) -> str:
    return "\n".join(f"{m.title}\n{m.body}\n{m.footer}".strip() for m in response.messages)


async def start(harness_factory: Callable[..., Harness], **settings: object) -> Harness:
    return await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN, **settings).start()


async def test_an_import_joins_the_channels_own_pack_which_the_channel_draws_from_and_keeps(
    harness_factory: Callable[..., Harness], pack_dir: Path
) -> None:
    h = await start(harness_factory)
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h levels=beginner order=progressive")
    answer = await say(h, "/practice pack import", file=csv_file("team.csv", row("What is a port?")))
    assert answer.private
    assert text(answer) == f"Imported team.csv into {OWN}: 1 added, 0 updated, 0 unchanged, 0 refused."
    status = text(await say(h, "/practice status", user=BO, admin=False))
    assert "Progress: 0 of 4 questions (round 1)" in status  # 3 beginner questions of testpack + 1
    assert f"  {OWN}: 0 of 1" in status and "  testpack: 0 of 3" in status
    # a new process (a fresh bank, as after a restart) loads the pack from the database
    h.bank = load_bank([pack_dir])
    await h.restart()
    for day in range(4):
        await h.run_until(at(day, 18))
    titles = [sent.message.title for sent in h.platform.of("post")]
    assert titles == [*(f"Beginner question {n}?" for n in (1, 2, 3)), "What is a port?"]
    packs = [
        field.value for sent in h.platform.of("post") for field in sent.message.fields if field.name == "Pack"
    ]
    assert packs == ["Test pack", "Test pack", "Test pack", "Our own questions"]  # names, not ids
    status = text(await say(h, "/practice status", user=BO, admin=False))
    assert "Progress: 0 of 4 questions (round 2)" in status


async def test_a_partly_invalid_file_stores_nothing_and_names_every_problem(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await start(harness_factory)
    file = csv_file(
        "mixed.csv",
        row("Good one"),
        row("Bad level", level="expert"),
        {**row("No points"), "key_point_1": ""},
        row("Bad tag", tags="Not_A_Tag"),
    )
    lines = text(await say(h, "/practice pack import", file=file)).splitlines()
    assert lines[0] == "Nothing imported from mixed.csv (1 to add, 0 to update, 3 refused): 3 problem(s)"
    assert sorted(lines[1:]) == [
        "mixed.csv:3 (row 3): level: must be one of beginner, intermediate, advanced (got 'expert')",
        "mixed.csv:4 (row 4): key_points: must be a list of 1 to 6 non-empty strings",
        "mixed.csv:5 (row 5): tags: must be 0 to 6 lowercase tags made of letters, digits and -",
    ]
    assert await h.store.stored_packs() == []
    assert h.bank.pack(OWN) is None


async def test_a_file_too_large_unknown_or_malformed_is_refused_and_nothing_is_stored(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await start(harness_factory)
    big = Attachment("huge.csv", b"x" * (ATTACHMENT_MAX_BYTES + 1))
    assert text(await say(h, "/practice pack import", file=big)) == (
        "huge.csv is 2.0 MB: a pack file may be at most 2 MB."
    )
    odd = text(await say(h, "/practice pack import", file=Attachment("notes.txt", b"hello")))
    assert odd == (
        "Nothing imported from notes.txt: cannot tell the format of notes.txt: name it .csv, .json, .yaml or .apkg"
    )
    broken = text(await say(h, "/practice pack import", file=Attachment("p.json", b'{"questions": [')))
    assert (
        broken == "Nothing imported from p.json: 1 problem(s)\np.json:1:16: not valid JSON: Expecting value"
    )
    none = text(await say(h, "/practice pack import"))
    assert none.startswith("Attach the file to /practice pack import")
    assert await h.store.stored_packs() == []


async def test_only_admins_import_and_anyone_exports_a_file_that_imports_again_unchanged(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await start(harness_factory)
    file = csv_file("team.csv", row("What is a port?"), row("What is a socket?", level="intermediate"))
    refused = await say(h, "/practice pack import", user=BO, admin=False, file=file)
    assert text(refused) == "/practice pack import is for channel admins."
    assert await h.store.stored_packs() == []
    await say(h, "/practice pack import", file=file)
    for fmt in ("csv", "json", "yaml", "apkg"):
        exported = await say(h, f"/practice pack export {fmt}", user=BO, admin=False)
        assert exported.attachment is not None
        assert exported.attachment.filename == f"{OWN}.{fmt}"
        assert text(exported) == f"{OWN}: 2 questions as {fmt}, in {OWN}.{fmt}."
        again = text(await say(h, "/practice pack import", file=exported.attachment))
        assert again == f"Imported {OWN}.{fmt} into {OWN}: 0 added, 0 updated, 2 unchanged, 0 refused."
    document = json.loads((await say(h, "/practice pack export json")).attachment.data)  # type: ignore[union-attr]
    assert [q["title"] for q in document["questions"]] == ["What is a port?", "What is a socket?"]


async def test_a_pack_is_its_workspaces_alone(harness_factory: Callable[..., Harness]) -> None:
    h = await start(harness_factory)
    file = csv_file("onboarding.csv", row("Where is the wiki?"))
    said = text(await say(h, "/practice pack import into=onboarding", file=file))
    assert said.startswith("Imported onboarding.csv into onboarding: 1 added")
    assert said.endswith("To draw from it here too: /practice subscribe packs=testpack,onboarding")
    # the same workspace, another channel, may choose it; another workspace cannot see it
    chosen = text(await say(h, "/practice subscribe packs=onboarding,testpack", channel=OTHER_CHANNEL))
    assert "packs onboarding,testpack" in chosen
    elsewhere = text(await say(h, "/practice subscribe packs=onboarding", channel=ELSEWHERE))
    assert elsewhere == "no pack onboarding here: this channel can draw from testpack"
    export = text(await say(h, "/practice pack export onboarding", channel=ELSEWHERE))
    assert export == "no pack onboarding here (/practice status lists this channel's packs)"
    taken = text(await say(h, "/practice pack import into=onboarding", file=file, channel=ELSEWHERE))
    assert (
        taken
        == "Nothing imported from onboarding.csv: the pack id onboarding is taken: import into=ANOTHER-NAME"
    )
    question = (await h.store.stored_packs())[0].files
    assert len(question) == 2  # pack.toml and the one question, unchanged by the refusals
    configured = text(await say(h, "/practice pack import into=testpack", file=file))
    assert configured.startswith(
        "Nothing imported from onboarding.csv: testpack is one of the bot's configured packs"
    )


async def test_next_chooses_the_next_post_once_then_questions_are_drawn_as_usual(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await start(harness_factory)
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h order=progressive")
    assert text(await say(h, "/practice next testpack/advanced-01", user=BO, admin=False)) == (
        "/practice next is for channel admins."
    )
    unknown = text(await say(h, "/practice next testpack/advanced-99"))
    assert unknown == "no question testpack/advanced-99 in the packs this channel can use"
    chosen = text(await say(h, "/practice next testpack/advanced-01"))
    assert chosen.startswith("The next post here (<t:")
    assert chosen.endswith(
        "is Advanced question 1? (testpack/advanced-01); after it, questions are drawn as usual."
    )
    assert "Next question, chosen by an admin: testpack/advanced-01" in text(await say(h, "/practice status"))
    await h.restart()  # the choice is kept in the database
    for day in range(3):
        await h.run_until(at(day, 18))
    titles = [sent.message.title for sent in h.platform.of("post")]
    assert titles == ["Advanced question 1?", "Beginner question 1?", "Beginner question 2?"]
    assert "chosen by an admin" not in text(await say(h, "/practice status"))


async def test_an_approved_draft_joins_the_own_pack_with_its_author(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await start(harness_factory)
    draft = Draft("intermediate", "Why a heartbeat?", "Idle links die quietly.", "Ping and pong.", ("NATs",))
    question = await h.service.catalog.add(CHANNEL, draft, "Bo")
    assert (question.title, question.level, question.suggested_by) == (
        "Why a heartbeat?",
        "intermediate",
        "Bo",
    )
    assert question.id == f"{OWN}/why-a-heartbeat" and question.key_points == ("NATs",)
    second = await h.service.catalog.add(CHANNEL, replace(draft, title="Why a heartbeat, again?"), "Ana")
    assert second.number == 2 and h.bank.get(question.id) == question
    exported = (await say(h, "/practice pack export csv")).attachment
    assert exported is not None
    rows = reader("csv")(exported.data, "x.csv").rows
    assert [(r.data["title"], r.data["suggested_by"]) for r in rows] == [
        ("Why a heartbeat?", "Bo"),
        ("Why a heartbeat, again?", "Ana"),
    ]


async def test_a_channels_own_pack_is_its_alone_even_in_its_workspace(
    harness_factory: Callable[..., Harness],
) -> None:
    """A channel's own pack may hold a private channel's questions: another channel of the same
    workspace can neither draw from it, export it, nor import into it."""
    h = await start(harness_factory)
    await say(h, "/practice pack import", file=csv_file("ours.csv", row("A private question?")))
    other_own = own_pack_id(OTHER_CHANNEL)
    export = text(await say(h, f"/practice pack export {OWN}", channel=OTHER_CHANNEL))
    assert export == f"no pack {OWN} here (/practice status lists this channel's packs)"
    chosen = text(await say(h, f"/practice subscribe packs={OWN}", channel=OTHER_CHANNEL))
    assert chosen == f"no pack {OWN} here: this channel can draw from testpack"
    into = text(
        await say(
            h, f"/practice pack import into={OWN}", file=csv_file("x.csv", row("Q?")), channel=OTHER_CHANNEL
        )
    )
    assert into == (
        f"Nothing imported from x.csv: {OWN} is a channel's own pack: it changes from its channel only. "
        f"This channel's own is {other_own}; or import into=ANOTHER-NAME."
    )
    question = h.bank.pack(OWN).questions[0]  # type: ignore[union-attr]
    assert text(await say(h, f"/practice next {question.id}", channel=OTHER_CHANNEL)) == (
        "This channel is not subscribed. Start with /practice subscribe."
    )
    await say(h, "/practice subscribe", channel=OTHER_CHANNEL)
    assert text(await say(h, f"/practice next {question.id}", channel=OTHER_CHANNEL)) == (
        f"no question {question.id} in the packs this channel can use"
    )
    [stored] = await h.store.stored_packs()
    assert stored.scope == "fake:W1/C1" and len(stored.files) == 2


async def test_two_imports_at_once_into_one_pack_keep_both(
    harness_factory: Callable[..., Harness], pack_dir: Path
) -> None:
    h = await start(harness_factory)
    first = csv_file("a.csv", row("First question?"))
    second = csv_file("b.csv", row("Second question?"))
    await asyncio.gather(
        say(h, "/practice pack import into=team", file=first),
        say(h, "/practice pack import into=team", file=second),
    )
    pack = h.bank.pack("team")
    assert pack is not None
    assert sorted(q.title for q in pack.questions) == ["First question?", "Second question?"]
    h.bank = load_bank([pack_dir])  # a restart loads what was stored
    await h.restart()
    reloaded = h.bank.pack("team")
    assert reloaded is not None and len(reloaded.questions) == 2


async def test_a_refusal_names_the_first_fifteen_problems_and_counts_the_rest(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await start(harness_factory)
    file = csv_file("many.csv", *(row(f"Question {n}?", level="expert") for n in range(20)))
    lines = text(await say(h, "/practice pack import", file=file)).splitlines()
    assert lines[0] == "Nothing imported from many.csv (0 to add, 0 to update, 20 refused): 20 problem(s)"
    assert len(lines) == 1 + 15 + 1
    assert (
        lines[1]
        == "many.csv:2 (row 2): level: must be one of beginner, intermediate, advanced (got 'expert')"
    )
    assert lines[-1] == "... and 5 more: fix these and import the file again to see the rest"


async def test_a_pack_gone_from_the_config_is_left_out_and_subscribe_still_changes_the_rest(
    harness_factory: Callable[..., Harness], pack_dir: Path, tmp_path: Path
) -> None:
    """The README: a pack no longer there is left out rather than stopping the channel, and
    subscribing again changes only what is given; so an admin who changes the time is not
    refused for a pack they did not name."""
    extra = write_pack(tmp_path / "more", "extra", {"beginner": 2})
    h = await start(harness_factory)
    h.bank = load_bank([pack_dir, extra])
    await h.restart()
    assert "packs extra,testpack" in text(
        await say(h, "/practice subscribe 09:00 UTC daily packs=extra,testpack")
    )
    h.bank = load_bank([pack_dir])  # the host took `extra` out of the config, then restarted
    await h.restart()
    changed = text(await say(h, "/practice subscribe 10:00"))
    assert (
        changed.startswith("This channel gets a question") and "Changed: time; the rest as before." in changed
    )
    status = text(await say(h, "/practice status", user=BO, admin=False))
    assert "  testpack: 0 of 6\n  extra: not loaded now, left out" in status  # chosen, should it come back
    await h.run_until(at(0, 18))  # the day's post comes, from what is still there
    [post] = h.platform.of("post")
    assert post.message.title in {q.title for q in h.bank.questions}
    named = text(await say(h, "/practice subscribe packs=extra"))
    assert named == "no pack extra here: this channel can draw from testpack"  # one named now is checked


async def test_two_workspaces_taking_one_new_pack_id_at_once_never_get_each_others_questions(
    harness_factory: Callable[..., Harness], pack_dir: Path
) -> None:
    """Two processes on one database (a Discord one and a Slack one may share it), each an admin
    importing into=onboarding for a new pack at the same moment: one gets the id, the other is
    told it is taken, and neither workspace ever draws the other's questions, after restarts too."""
    ours = harness_factory(MONDAY_0600, database="shared.sqlite3", command_cooldown=NO_COOLDOWN)
    theirs = harness_factory(MONDAY_0600, database="shared.sqlite3", command_cooldown=NO_COOLDOWN)
    theirs.bank = load_bank([pack_dir])  # a process of its own has a bank of its own
    await ours.start()
    await theirs.start()
    said = await asyncio.gather(
        say(ours, "/practice pack import into=onboarding", file=csv_file("a.csv", row("Our question?"))),
        say(
            theirs,
            "/practice pack import into=onboarding",
            file=csv_file("b.csv", row("Their question?")),
            channel=ELSEWHERE,
        ),
    )
    took = [text(answer).startswith("Imported") for answer in said]
    assert sorted(took) == [False, True]
    assert "the pack id onboarding is taken" in text(said[took.index(False)])
    for h, title in ((ours, "Our question?"), (theirs, "Their question?")):
        h.bank = load_bank([pack_dir])
        await h.restart()
        pack = h.bank.pack("onboarding")
        mine = CHANNEL if h is ours else ELSEWHERE
        if pack is not None and h.bank.visible("onboarding", mine):
            assert [q.title for q in pack.questions] == [title]


async def test_a_chosen_next_question_whose_pack_is_gone_is_not_promised_in_status(
    harness_factory: Callable[..., Harness], pack_dir: Path, tmp_path: Path
) -> None:
    extra = write_pack(tmp_path / "more", "extra", {"beginner": 2})
    h = await start(harness_factory)
    h.bank = load_bank([pack_dir, extra])
    await h.restart()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h order=progressive")
    assert "(extra/beginner-01)" in text(await say(h, "/practice next extra/beginner-01"))
    h.bank = load_bank([pack_dir])  # the host took `extra` out of the config, then restarted
    await h.restart()
    status = text(await say(h, "/practice status"))
    assert (
        "Next question, chosen by an admin: extra/beginner-01, no longer loaded here: "
        "the next post is drawn as usual" in status
    )
    assert text(await say(h, "/practice next")).startswith("The next question is drawn as usual.")
    await h.run_until(at(0, 18))
    assert [sent.message.title for sent in h.platform.of("post")] == ["Beginner question 1?"]


async def test_a_chosen_next_question_that_was_gone_is_passed_by_and_not_posted_when_it_returns(
    harness_factory: Callable[..., Harness], pack_dir: Path, tmp_path: Path
) -> None:
    """The next post was drawn as usual because the chosen question was gone: the choice is spent
    then, not kept to come back weeks later when the host puts the pack back."""
    extra = write_pack(tmp_path / "more", "extra", {"beginner": 2})
    h = await start(harness_factory)
    h.bank = load_bank([pack_dir, extra])
    await h.restart()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h order=progressive")
    await say(h, "/practice next extra/beginner-02")
    h.bank = load_bank([pack_dir])  # the host took `extra` out of the config, then restarted
    await h.restart()
    await h.run_until(at(0, 18))
    assert "chosen by an admin" not in text(await say(h, "/practice status"))
    h.bank = load_bank([pack_dir, extra])  # and put it back
    await h.restart()
    await h.run_until(at(1, 18))
    assert [sent.message.title for sent in h.platform.of("post")] == [
        "Beginner question 1?",
        "Beginner question 2?",
    ]


async def test_forget_me_takes_the_credit_off_the_questions_a_persons_suggestions_became(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await start(harness_factory)
    await say(h, "/practice subscribe 09:00 UTC daily")
    values = {
        "level": "beginner",
        "title": "Why ping and pong?",
        "summary": "Idle links die quietly.",
        "answer": "Heartbeats find dead peers.",
        "key_points": "- NAT timeouts",
    }
    await h.service.submit_form(Caller(CHANNEL, BO, False), "suggest:new", values)
    await say(h, "/practice approve 1")
    [question] = h.bank.pack(OWN).questions  # type: ignore[union-attr]
    assert question.suggested_by == "Bo"
    await say(h, "/practice forget-me confirm", user=BO, admin=False)
    [question] = h.bank.pack(OWN).questions  # type: ignore[union-attr]
    assert (question.title, question.suggested_by) == ("Why ping and pong?", "")
    exported = (await say(h, "/practice pack export json")).attachment
    assert exported is not None and b"Bo" not in exported.data and b"suggested_by" not in exported.data
    h.bank = load_bank([Path(h.bank.pack("testpack").path)])  # type: ignore[union-attr]
    await h.restart()  # what is stored has no credit either
    assert h.bank.pack(OWN).questions[0].suggested_by == ""  # type: ignore[union-attr]


async def test_a_workspace_keeps_at_most_fifty_packs_and_may_still_update_them(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await start(harness_factory)
    pack = (await h.service.catalog.add(CHANNEL, Draft("beginner", "Q?", "S.", "A.", ("k",)), "Bo")).pack
    [own] = await h.store.stored_packs()  # the channel's own counts too
    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    for n in range(MAX_STORED_PACKS - 1):
        files = {"pack.toml": own.files["pack.toml"].replace(pack, f"team-{n}")}
        assert await h.store.save_pack(StoredPack(f"team-{n}", "fake:W1", files), now)
    await h.store.save_pack(StoredPack("elsewhere", "fake:W2", own.files), now)  # another workspace's
    refused = text(await say(h, "/practice pack import into=one-more", file=csv_file("x.csv", row("Q?"))))
    assert refused == (
        f"Nothing imported from x.csv: this workspace has {MAX_STORED_PACKS} packs, the most it may keep;"
        " update one of them"
    )
    again = text(await say(h, "/practice pack import", file=csv_file("x.csv", row("Another?"))))
    assert again.startswith(f"Imported x.csv into {OWN}: 1 added")
