"""A local Slack for tests: the real, unpatched slack-sdk and slack-bolt talk to it over HTTP and a
Socket Mode WebSocket on 127.0.0.1. See DESIGN.md section 7.

    async with SlackEmulator() as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        app = AsyncApp(client=client)
        handler = AsyncSocketModeHandler(app, slack.app_token)   # inside a running loop
        await handler.connect_async()
        channel, alice = slack.add_channel("practice"), slack.add_user("alice")
        envelope = await slack.slash_command(channel, alice, "/practice", "status")
        await envelope.acked(timeout=3)

Several workspaces: add_workspace(name) makes another team; the app installs there through
OAuth (authorize(url, team) is the person pressing Allow, then oauth.v2.access trades the code
for a bot token bound to that team) and leaves with uninstall(team).

Modules: workspace (state and payload shapes), validation (Block Kit, metadata, limits), mrkdwn
(what a person sees: mentions, links and formatting Slack makes of a text, `verbatim` or not),
ratelimit (tiers, per-channel posting), web_api (methods), socket_mode (envelopes, acks),
http_mode (signed requests), emulator (server, dispatch, retries, faults, test API).
"""

from .emulator import DEFAULT_SCOPES, DEFAULT_SUBSCRIPTIONS, LOG_ENV, Request, SlackEmulator
from .http_mode import SignedResponse, send_signed, signature
from .ratelimit import RateLimits
from .socket_mode import EVENTS_API, INTERACTIVE, SLASH_COMMANDS, Delivery, Envelope
from .validation import block_problems

__all__ = [
    "DEFAULT_SCOPES",
    "DEFAULT_SUBSCRIPTIONS",
    "EVENTS_API",
    "INTERACTIVE",
    "LOG_ENV",
    "SLASH_COMMANDS",
    "Delivery",
    "Envelope",
    "RateLimits",
    "Request",
    "SignedResponse",
    "SlackEmulator",
    "block_problems",
    "send_signed",
    "signature",
]
