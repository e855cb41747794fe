"""forget-me over any text a person may have typed: after it, neither the database file nor its
write-ahead log holds a byte sequence of what they wrote (issue 15.7)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.shared.models import User
from tests.conftest import Harness
from tests.integration.test_blind_answers import BEFORE, DAY, blind_day, on_disk

TEXT = st.text(st.characters(codec="utf-8"), min_size=6, max_size=4000)
people = itertools.count()


@pytest.mark.sqlite_only  # reads the SQLite file and its WAL for the deleted bytes
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=TEXT, name=st.text(st.characters(codec="utf-8"), min_size=1, max_size=80))
async def test_a_forgotten_blind_answer_is_in_neither_file_whatever_it_says(
    harness_factory: Callable[..., Harness], body: str, name: str
) -> None:
    h = await harness_factory(BEFORE).start()
    post_id = await blind_day(h)
    typed = body.encode()
    if len(typed) < 16 or typed in on_disk(h):  # too short to be told apart from the file's own bytes
        return
    person = User(f"U{next(people)}", name)
    first = await h.store.save_blind_answer(post_id, person, body, DAY + timedelta(minutes=1))
    assert first is not None and first.counted
    assert typed in on_disk(h)
    await h.store.forget_user(h.platform.name, person.id, datetime(2026, 3, 2, 9, 5, tzinfo=UTC))
    assert typed not in on_disk(h)
    assert await h.store.blind_answers(post_id) == []
