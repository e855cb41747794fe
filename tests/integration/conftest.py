"""Every storage and service integration test runs on SQLite and on a real PostgreSQL server (the
same Store contract, two databases), except those about SQLite itself (its file, its WAL, its
write probe), marked `sqlite_only`: those are not made for PostgreSQL at all, rather than skipped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backends import BACKEND


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
    metafunc.parametrize("backend", ["sqlite"] if sqlite_only else ["sqlite", "postgres"], indirect=True)


@pytest.fixture(autouse=True)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    kind = str(request.param)
    BACKEND.kind = kind
    BACKEND.server = request.getfixturevalue("postgres_server") if kind == "postgres" else None
    yield kind
    BACKEND.kind, BACKEND.server = "sqlite", None
