"""/practice pack import|export from chat, and a channel's own pack (OwnPack: approved
suggestions join it). Packs made here are kept in the database, each for the workspace it was
made in; the bank holds them beside the configured packs, loaded at start-up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot.core.catalog.ports import Draft, Imported, OwnPack, PackFiles, PackStore, StoredPack
from bot.core.commands.grammar import PackArgs
from bot.core.daily.ports import SubscriptionStore
from bot.core.daily.questions import OWN_PREFIX, QuestionBank, own_pack_id, pack_scope, scope_of
from bot.core.shared import messages as say
from bot.core.shared.errors import NotAllowed, UserError, shown
from bot.core.shared.messages import ATTACHMENT_MAX_BYTES, Attachment, Message, Response
from bot.core.shared.models import Caller, ChannelRef, Question
from bot.core.shared.ports import Clock

log = logging.getLogger("practicebot.catalog")

MAX_STORED_PACKS = 50  # per workspace
MAX_PROBLEMS_SHOWN = 15  # a refusal names this many problems in chat, then says how many more


class CatalogDesk(OwnPack):
    def __init__(
        self,
        store: PackStore,
        subscriptions: SubscriptionStore,
        files: PackFiles,
        bank: QuestionBank,
        clock: Clock,
    ) -> None:
        self._store = store
        self._subscriptions = subscriptions
        self._files = files
        self._bank = bank
        self._clock = clock
        # one change of a pack at a time (an import, an approval): each reads the pack, then writes
        # it whole, so two at once would lose the first one's questions. A workspace is served by
        # one process (bot/core/ownership), so a lock in the process is enough
        self._changing: dict[str, asyncio.Lock] = {}

    async def start(self) -> None:
        """Load every stored pack into the bank. One that cannot be loaded (a configured pack took
        its id since, or it no longer passes the loader) is left out, with the reason logged."""
        for stored in await self._store.stored_packs():
            if stored.pack_id in self._bank.configured:
                log.error("stored pack %s is not loaded: a configured pack has its id", stored.pack_id)
                continue
            try:
                self._bank.put(await self._files.load(stored), stored.scope)
            except UserError as exc:
                log.error("stored pack %s is not loaded: %s", stored.pack_id, exc.message)

    async def handle(self, caller: Caller, args: PackArgs, file: Attachment | None) -> Response:
        if args.verb == "import":
            if not caller.is_admin:
                raise NotAllowed("/practice pack import is for channel admins.")
            return await self._import(caller, args.into, file)
        return await self._export(caller.channel, args.pack, args.format or "csv")

    async def _import(self, caller: Caller, into: str | None, file: Attachment | None) -> Response:
        if file is None:
            raise UserError(
                "Attach the file to /practice pack import: a CSV, JSON, YAML or Anki .apkg pack file "
                "(practicebot pack new makes an example; the README lists the CSV columns)."
            )
        if len(file.data) > ATTACHMENT_MAX_BYTES:
            raise UserError(say.file_too_large(file.filename, len(file.data)))
        channel = caller.channel
        try:
            pack_id = into or await self._named(file) or own_pack_id(channel)
            async with self._changing.setdefault(pack_id, asyncio.Lock()):
                stored = await self._target(channel, pack_id)
                result = await self._files.import_file(stored, pack_id, file)
                await self._save(channel, result, caller.user.id)
        except UserError as exc:
            raise UserError(_refusal(file.filename, exc.message)) from None
        said = (
            f"Imported {shown(file.filename, 80)} into {pack_id}: {len(result.added)} added, "
            f"{result.updated} updated, {result.unchanged} unchanged, 0 refused."
        )
        drawn = await self._chosen(channel) or self._bank.default_packs(channel)
        if pack_id not in drawn:
            said += f" {say.draw_too(drawn, pack_id)}"
        log.info("imported %s into %s in %s", file.filename, pack_id, channel)
        return Response.text(said)

    async def _chosen(self, channel: ChannelRef) -> tuple[str, ...]:
        """The packs the channel chose to draw from (`packs=`); () for the default."""
        subscription = await self._subscriptions.subscription_for(channel)
        return subscription.settings.packs if subscription is not None else ()

    async def _named(self, file: Attachment) -> str | None:
        named = await self._files.named_in(file)
        if named is None or named in self._bank.configured or named.startswith(OWN_PREFIX):
            return None  # the channel's own pack then (another channel's own is not to be changed from here)
        return named

    async def _target(self, channel: ChannelRef, pack_id: str) -> StoredPack | None:
        """The stored pack an import into `pack_id` changes (None: a new one), if this channel may."""
        if pack_id in self._bank.configured:
            raise UserError(
                f"{pack_id} is one of the bot's configured packs: it changes where it is kept "
                "(practicebot pack import on the host), not from chat. Import into=ANOTHER-NAME instead."
            )
        if pack_id.startswith(OWN_PREFIX) and pack_id != own_pack_id(channel):
            raise UserError(
                f"{pack_id} is a channel's own pack: it changes from its channel only. "
                f"This channel's own is {own_pack_id(channel)}; or import into=ANOTHER-NAME."
            )
        stored = await self._store.stored_pack(pack_id)
        if stored is not None and stored.scope != pack_scope(channel, pack_id):
            raise UserError(_taken(pack_id))
        if stored is None:
            workspace = scope_of(channel)  # its packs and its channels' own
            scopes = (await self._store.stored_scopes()).values()
            mine = sum(1 for scope in scopes if scope.partition("/")[0] == workspace)
            if mine >= MAX_STORED_PACKS:
                raise UserError(f"this workspace has {mine} packs, the most it may keep; update one of them")
        return stored

    async def _save(self, channel: ChannelRef, result: Imported, by: str) -> None:
        pack = result.pack
        scope = pack_scope(channel, pack.id)
        if not await self._store.save_pack(StoredPack(pack.id, scope, result.files, by), self._clock.now()):
            raise UserError(_taken(pack.id))  # by another process's workspace, since _target looked
        self._bank.put(pack, scope)

    async def _export(self, channel: ChannelRef, pack_id: str | None, fmt: str) -> Response:
        if pack_id is None:
            packs = self._bank.channel_packs(channel, await self._chosen(channel))
            own = own_pack_id(channel)
            pack_id = own if any(p.id == own for p in packs) else packs[0].id if len(packs) == 1 else None
            if pack_id is None and not packs:
                raise UserError("This channel draws from no loaded pack: name one to export")
            if pack_id is None:
                names = ", ".join(p.id for p in packs)
                raise UserError(
                    f"This channel draws from {names}: name one, like /practice pack export {packs[0].id}"
                )
        pack = self._bank.pack(pack_id) if self._bank.visible(pack_id, channel) else None
        if pack is None:
            raise UserError(f"no pack {pack_id} here (/practice status lists this channel's packs)")
        file = await self._files.export(pack, fmt)
        count = say.plural(len(pack.questions), "question")
        said = f"{pack.id}: {count} as {fmt}, in {file.filename}."
        return Response((Message(body=said),), attachment=file)

    async def uncredit(self, question_ids: Sequence[str]) -> int:
        taken = 0
        by_pack: dict[str, list[str]] = {}
        for qid in question_ids:
            by_pack.setdefault(qid.partition("/")[0], []).append(qid)
        for pack_id, ids in by_pack.items():
            async with self._changing.setdefault(pack_id, asyncio.Lock()):
                stored = await self._store.stored_pack(pack_id)
                if stored is None:
                    continue
                result = await self._files.uncredit(stored, ids)
                if result.updated:
                    saved = StoredPack(pack_id, stored.scope, result.files, stored.updated_by)
                    await self._store.save_pack(saved, self._clock.now())
                    self._bank.put(result.pack, stored.scope)
                taken += result.updated
        return taken

    async def add(self, channel: ChannelRef, draft: Draft, suggested_by: str) -> Question:
        pack_id = own_pack_id(channel)
        async with self._changing.setdefault(pack_id, asyncio.Lock()):
            stored = await self._target(channel, pack_id)
            result = await self._files.add_draft(stored, pack_id, draft, suggested_by)
            await self._save(channel, result, suggested_by)
        question = self._bank.get(result.added[0])
        assert question is not None
        return question


def _taken(pack_id: str) -> str:
    return f"the pack id {pack_id} is taken: import into=ANOTHER-NAME"


def _refusal(filename: str, message: str) -> str:
    """The importer's refusal, its problems capped so that the answer fits in one chat message."""
    first, *problems = message.splitlines()
    shown_problems = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown_problems)
    said = first[len("nothing imported") :] if first.startswith("nothing imported") else f": {first}"
    lines = [f"Nothing imported from {shown(filename, 80)}{said}"]
    lines += [shown(line, 300) for line in shown_problems]
    if more:
        lines.append(f"... and {more} more: fix these and import the file again to see the rest")
    return "\n".join(lines)
