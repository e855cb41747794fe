"""Connecting to PostgreSQL from a `postgresql://user@host:port/db` URL. The password comes from an
environment variable, like the tokens, never from the URL (which is in config files, shell history
and process lists); TLS and other options pass through the URL (`?sslmode=verify-full`, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.core.shared.errors import UserError

if TYPE_CHECKING:
    import asyncpg

PASSWORD_ENV = "PRACTICEBOT_DATABASE_PASSWORD"
CONNECT_TIMEOUT = 10.0  # seconds
DEFAULT_POOL_SIZE = 10  # connections a process holds open at most


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgresql://", "postgres://"))


def shown(url: str) -> str:
    """The URL as it may be printed: any password in it replaced."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":[redacted]@", 1)
    return parts._replace(netloc=netloc).geturl()


def password(url: str, environ: Mapping[str, str], password_env: str = PASSWORD_ENV) -> str | None:
    """The password for `url`, from the environment; refuses a URL that holds one."""
    if urlsplit(url).password is not None:
        raise UserError(
            f"the database URL {shown(url)} holds a password: remove it and set ${password_env} instead "
            "(a URL ends up in config files, shell history and process lists)"
        )
    return environ.get(password_env) or None


def driver() -> None:
    """Refuse, saying what to install, when the PostgreSQL driver is missing."""
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        raise UserError(
            "a postgresql:// database needs the PostgreSQL driver: pip install 'practicebot[postgresql]'"
        ) from None


def cannot_connect(url: str, exc: BaseException) -> UserError:
    return UserError(f"cannot connect to the database {shown(url)}: {exc}")


async def connect(
    url: str, environ: Mapping[str, str], password_env: str = PASSWORD_ENV
) -> asyncpg.Connection:
    secret = password(url, environ, password_env)
    driver()
    import asyncpg

    from bot.storage.postgres_db import ERRORS

    try:
        return await asyncpg.connect(url, password=secret, timeout=CONNECT_TIMEOUT)
    except ERRORS as exc:
        raise cannot_connect(url, exc) from None
