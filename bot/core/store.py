"""The whole Store: every feature's storage port in one. The composition root opens one (SQLite or
PostgreSQL, bot/storage/store.py) and hands it to each desk, which asks only for the port it needs."""

from __future__ import annotations

from typing import Protocol

from bot.core.blind.ports import BlindStore
from bot.core.calendar.ports import CalendarStore
from bot.core.catalog.ports import PackStore
from bot.core.daily.ports import FailureStore, PostStore, ReplyStore, SubscriptionStore
from bot.core.personal.ports import PersonalStore
from bot.core.recap.ports import RecapStore
from bot.core.review.ports import ReviewStore
from bot.core.selfcheck.ports import SelfCheckStore
from bot.core.suggest.ports import SuggestionStore


class Store(
    SubscriptionStore,
    PostStore,
    ReplyStore,
    FailureStore,
    SelfCheckStore,
    BlindStore,
    ReviewStore,
    CalendarStore,
    RecapStore,
    SuggestionStore,
    PackStore,
    PersonalStore,
    Protocol,
):
    """Everything that must survive a restart. Each method is one transaction."""
