"""`practicebot health`: ask the running bot's /healthz, as Docker's HEALTHCHECK does. Standard
library only, so the probe starts fast and loads none of the platforms' libraries."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from bot.config import ServerConfig
from bot.core.shared.errors import UserError

HEALTH_PATH = "/healthz"
PROBE_TIMEOUT = 4.0  # seconds; Docker's HEALTHCHECK --timeout is 5 s


def health_url(server: ServerConfig) -> str:
    """Where the bot listens, seen from the same host: a wildcard address means loopback."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(server.host, server.host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{server.port}{HEALTH_PATH}"


def probe(server: ServerConfig, timeout: float = PROBE_TIMEOUT) -> tuple[bool, str]:
    """(healthy, a summary line per check). Raises UserError when nothing answers."""
    if not server.monitoring:
        raise UserError(
            "monitoring is off, so there is no /healthz to ask: set [server] monitoring = true "
            "or PRACTICEBOT_MONITORING=1 for the bot"
        )
    url = health_url(server)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # our own http:// URL
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:  # 503: unhealthy, with the same JSON
        status, body = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(f"nothing answers at {url} ({reason}): is the bot running?") from None
    try:
        report: dict[str, Any] = json.loads(body)
        lines = [
            f"{name}: {'ok' if check['ok'] else 'FAILING'} - {check['detail']}"
            for name, check in report["checks"].items()
        ]
    except (ValueError, KeyError, TypeError, AttributeError):
        return False, f"{url} answered {status} with something that is not practicebot's health report"
    return status == 200, "\n".join(lines)
