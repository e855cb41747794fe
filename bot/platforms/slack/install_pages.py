"""The page an installer sees when a Slack install does not go through: what went wrong, by
bolt's reason for it, and where to start again (bolt's own page shows only the reason's code)."""

from __future__ import annotations

import html
import logging

from slack_bolt.oauth.async_callback_options import AsyncFailureArgs
from slack_bolt.response import BoltResponse

log = logging.getLogger("practicebot.slack.oauth")
# What the installer reads, by bolt's reason (AsyncOAuthFlow.handle_callback) or Slack's error
REFUSED = {
    "invalid_state": "This install link has expired (after ten minutes) or was used already.",
    "invalid_browser": "This install was started in another browser, or its cookie was blocked.",
    "invalid_code": "Slack did not accept the install's code: it expires after ten minutes and works once.",
    "missing_code": "Slack sent no install code back.",
    "access_denied": "The install was cancelled in Slack; nothing was installed.",
    "storage_error": "The install could not be saved (it is logged).",
}


async def install_failed(args: AsyncFailureArgs) -> BoltResponse:
    """A plain page saying what went wrong and what to do, instead of bolt's generic one."""
    reason = REFUSED.get(args.reason, f"Slack answered {args.reason}.")
    install = html.escape(args.settings.install_path)
    if args.error is not None:  # ours (the database), not the installer's
        log.error("slack install could not be saved: %s", args.error)
    else:
        log.info("slack install refused: %s", args.reason)
    body = (
        '<html><head><meta charset="utf-8"><title>practicebot: not installed</title></head><body>'
        f"<h2>practicebot was not installed</h2><p>{html.escape(reason)}</p>"
        f'<p>Start again at <a href="{install}">{install}</a>.</p></body></html>'
    )
    return BoltResponse(
        status=args.suggested_status_code, body=body, headers={"Content-Type": "text/html; charset=utf-8"}
    )
