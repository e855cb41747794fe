"""Member suggestions, the use cases: open the form, queue a submission, list the queue, approve
(as it is or edited), reject; the author is told privately. Admin actions are checked on every
call, here, whatever the platform's grammar already refused.

Form and button actions (bot/core/suggest/rules.py):
    suggest:new                   a new suggestion's form
    suggest-edit:<number>         an admin's edit, which approves on submit
    suggest-again:<form action>   reopen a refused form with what was typed
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Mapping
from typing import Protocol

from bot.core.catalog.ports import Draft, OwnPack
from bot.core.commands.grammar import Practice
from bot.core.daily.ports import SubscriptionStore
from bot.core.shared.errors import NotAllowed, PlatformError, UserError
from bot.core.shared.messages import Form, Message, Response, draw_too
from bot.core.shared.models import Caller, Subscription, SubscriptionStatus
from bot.core.shared.ports import Clock, Platform
from bot.core.suggest import rules
from bot.core.suggest.ports import SuggestionStore
from bot.core.suggest.rules import DraftError, Suggestion

log = logging.getLogger("practicebot.suggest")


class PackRefused(UserError):
    """The channel's own pack did not take an approved draft; the suggestion stays pending."""


RETURNED_KEPT = 1000  # refused submissions held for their "Edit and send again" button


class SuggestDeskStore(SuggestionStore, SubscriptionStore, Protocol):
    """The queues, and the channel's subscription they belong to."""


class SuggestDesk:
    def __init__(
        self,
        store: SuggestDeskStore,
        own_pack: OwnPack,
        platforms: Mapping[str, Platform],
        clock: Clock,
        cap: int = rules.DEFAULT_CAP,
    ) -> None:
        self._store = store
        self._own_pack = own_pack
        self._platforms = platforms
        self._clock = clock
        self._cap = cap
        self._deciding: dict[int, asyncio.Lock] = {}  # one decision at a time per channel
        # (channel, person, form action) -> what they typed in a refused form (Discord answers a
        # form with a message, not a form: its button reopens the form with this)
        self._returned: OrderedDict[tuple[str, str, str], Form] = OrderedDict()

    async def forget(self, platform: str, user_id: str) -> int:
        """forget-me: the "suggested by" credit comes off the questions the person's approved
        suggestions became (the store then blanks their name on the suggestions themselves)."""
        return await self._own_pack.uncredit(await self._store.approved_questions(platform, user_id))

    # ------------------------------------------------------------ commands

    async def handle(self, caller: Caller, command: Practice) -> Response:
        action = command.action
        if action != "suggest" and not caller.is_admin:
            raise NotAllowed(f"/practice {action} is for channel admins.")
        subscription = await self._subscription(caller)
        if action == "suggest":
            return await self._open_new(caller, subscription)
        if action == "queue":
            return Response((rules.queue(await self._store.pending_suggestions(subscription.id)),))
        assert command.suggestion is not None
        suggestion = await self._pending(subscription, command.suggestion)
        if action == "approve":
            return await self._approve(caller, subscription, suggestion, suggestion.draft)
        if action == "edit":
            return rules.open_edit(suggestion)
        return await self._reject(caller, subscription, suggestion, command.reason)

    async def _subscription(self, caller: Caller) -> Subscription:
        subscription = await self._store.subscription_for(caller.channel)
        if subscription is None or subscription.status is SubscriptionStatus.UNSUBSCRIBED:
            raise UserError(rules.NOT_SUBSCRIBED)
        return subscription

    async def _pending(self, subscription: Subscription, number: int) -> Suggestion:
        suggestion = await self._store.suggestion(subscription.id, number)
        if suggestion is None:
            raise rules.no_such(number)
        if suggestion.status != "pending":
            raise rules.decided_already(suggestion)
        return suggestion

    async def _open_new(self, caller: Caller, subscription: Subscription) -> Response:
        """The form, unless the person already has as many waiting as they may (then a form they
        could not send is not opened at all)."""
        if await self._store.pending_count(subscription.id, caller.user.id) >= self._cap:
            raise UserError(rules.over_cap(self._cap))
        return rules.open_new()

    # ------------------------------------------------------------ forms and buttons

    async def submit(self, caller: Caller, verb: str, argument: str, values: Mapping[str, str]) -> Response:
        """A submitted form: a new suggestion queued, or an admin's edit approved."""
        action = f"{verb}:{argument}"
        subscription = await self._subscription(caller)
        if verb == rules.EDIT:
            if not caller.is_admin:
                raise NotAllowed("Approving a suggestion is for channel admins.")
            suggestion = await self._pending(subscription, _number(argument))
            title = rules.edit_title(suggestion.number)
        else:
            title = rules.NEW_TITLE
        try:
            draft = rules.check_draft(values)
        except DraftError as exc:
            return self._refuse(caller, action, title, values, exc.problems)
        if verb == rules.EDIT:
            try:
                approved = await self._approve(caller, subscription, suggestion, draft)
            except PackRefused as exc:  # still pending: the admin's edits stay in the form
                return self._refuse(caller, action, title, values, {}, exc.message)
            self._returned.pop((str(caller.channel), caller.user.id, action), None)
            return approved
        added = await self._store.add_suggestion(
            subscription.id, rules.author(caller.user), draft, self._clock.now(), self._cap
        )
        if added is None:
            return self._refuse(caller, action, title, values, {}, rules.over_cap(self._cap))
        self._returned.pop((str(caller.channel), caller.user.id, action), None)
        number, pending = added
        log.info("suggestion #%d by %s", number, caller.user.id, extra=subscription.log_extra)
        return Response.text(rules.queued(number, pending, self._cap))

    def _refuse(
        self,
        caller: Caller,
        action: str,
        title: str,
        values: Mapping[str, str],
        problems: Mapping[str, str],
        error: str = "",
    ) -> Response:
        """The form again with what was typed; held for the "Edit and send again" button too."""
        key = (str(caller.channel), caller.user.id, action)
        refused = rules.refused(action, title, values, problems, error)
        assert refused.form is not None
        self._returned[key] = refused.form
        self._returned.move_to_end(key)
        while len(self._returned) > RETURNED_KEPT:
            self._returned.popitem(last=False)
        return refused

    async def press(self, caller: Caller, argument: str) -> Response:
        """The "Edit and send again" button: the refused form, with what was typed and why it
        was refused (after a restart, the new suggestion's form empty, an edit's with the
        suggestion; the text is in the message with the button)."""
        verb, _, rest = argument.partition(":")
        held = self._returned.get((str(caller.channel), caller.user.id, argument))
        subscription = await self._subscription(caller)
        if verb == rules.EDIT:
            if not caller.is_admin:
                raise NotAllowed("Approving a suggestion is for channel admins.")
            opened = rules.open_edit(await self._pending(subscription, _number(rest)))
        elif verb == rules.NEW:
            opened = rules.open_new()
        else:
            raise UserError("That button no longer does anything.")
        return opened if held is None else dataclasses.replace(opened, form=held)

    # ------------------------------------------------------------ decisions

    async def _approve(
        self, caller: Caller, subscription: Subscription, suggestion: Suggestion, draft: Draft
    ) -> Response:
        """Add the draft to the channel's own pack, then mark the suggestion approved and tell its
        author. A refusal from the pack (PackRefused, naming every problem) leaves it pending; one
        decision at a time per channel, so a second admin approving at the same moment finds it
        decided and adds nothing."""
        async with self._deciding.setdefault(subscription.id, asyncio.Lock()):
            current = await self._pending(subscription, suggestion.number)
            try:
                question = await self._own_pack.add(caller.channel, draft, rules.author(current.author).name)
            except UserError as exc:
                raise PackRefused(rules.pack_refused(current, exc.message)) from exc
            await self._store.decide_suggestion(
                subscription.id, current.number, "approved", caller.user.id, self._clock.now(),
                question_id=question.id,
            )  # fmt: skip
        not_told = await self._tell(subscription, current, rules.told_approved(current))
        log.info("suggestion #%d approved as %s", current.number, question.id, extra=subscription.log_extra)
        said = rules.approved(current, question.id, not_told)
        chosen = subscription.settings.packs  # () draws from the own pack too
        if chosen and question.pack not in chosen:
            said += f" {draw_too(chosen, question.pack)}"
        return Response.text(said)

    async def _reject(
        self, caller: Caller, subscription: Subscription, suggestion: Suggestion, typed: str
    ) -> Response:
        reason = rules.check_reason(typed)
        async with self._deciding.setdefault(subscription.id, asyncio.Lock()):
            current = await self._pending(subscription, suggestion.number)
            await self._store.decide_suggestion(
                subscription.id, current.number, "rejected", caller.user.id, self._clock.now(), reason=reason
            )
        not_told = await self._tell(subscription, current, rules.told_rejected(current, reason))
        log.info("suggestion #%d rejected", current.number, extra=subscription.log_extra)
        return Response.text(rules.rejected(current, not_told))

    async def _tell(self, subscription: Subscription, suggestion: Suggestion, message: Message) -> str | None:
        """A private message to the author; why it did not go, or None when it went."""
        platform = self._platforms.get(subscription.channel.platform)
        if platform is None:
            return f"{subscription.channel.platform} is not connected"
        try:
            await platform.send_private(subscription.channel, suggestion.author.id, message)
        except PlatformError as exc:
            log.warning(
                "could not tell %s about suggestion #%d: %s",
                suggestion.author.id,
                suggestion.number,
                exc.reason,
            )
            return exc.reason
        return None


def _number(argument: str) -> int:
    if not argument.isdigit() or len(argument) > 9:
        raise UserError("That form is not for a suggestion.")
    return int(argument)
