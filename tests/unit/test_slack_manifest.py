from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.platforms.slack.adapter import COMMANDS, EVENT_PATH, SlackPlatform
from bot.platforms.slack.manifest import manifest, to_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_yaml_is_the_manifest() -> None:
    for url in (None, "https://bot.example.com"):
        assert yaml.safe_load(to_yaml(manifest(url))) == manifest(url)


def test_socket_mode_by_default_with_exactly_the_scopes_design_names_and_files_write_for_the_recap() -> None:
    m = manifest()
    assert m["settings"]["socket_mode_enabled"] is True
    assert m["oauth_config"]["scopes"]["bot"] == [
        "chat:write",
        "commands",
        "channels:history",
        "groups:history",
        "users:read",
        "im:write",
        "files:write",
        "files:read",  # files.list: a resent recap finds its picture while Slack still shares it
        "metadata.message:read",  # reading our metadata back: a resend's look-back
    ]
    assert m["settings"]["event_subscriptions"]["bot_events"] == ["message.channels", "message.groups"]
    assert [c["command"] for c in m["features"]["slash_commands"]] == list(COMMANDS)
    assert all(len(c["description"]) <= 100 for c in m["features"]["slash_commands"])
    assert "request_url" not in m["settings"]["interactivity"]
    assert m["features"]["app_home"]["messages_tab_enabled"]  # where the review reminder arrives


def test_http_mode_points_every_feature_at_the_one_route() -> None:
    m = manifest("https://bot.example.com/")
    url = "https://bot.example.com" + EVENT_PATH
    assert m["settings"]["socket_mode_enabled"] is False
    assert m["settings"]["event_subscriptions"]["request_url"] == url
    assert m["settings"]["interactivity"]["request_url"] == url
    assert {c["url"] for c in m["features"]["slash_commands"]} == {url}


def test_an_oauth_app_has_its_redirect_url_and_hears_of_uninstalls() -> None:
    m = manifest("https://bot.example.com/", oauth=True)
    assert m["oauth_config"]["redirect_urls"] == ["https://bot.example.com/slack/oauth_redirect"]
    assert m["settings"]["event_subscriptions"]["bot_events"][-2:] == ["app_uninstalled", "tokens_revoked"]
    assert m["settings"]["token_rotation_enabled"] is False  # the store keeps a token, not a refresh token
    plain = manifest("https://bot.example.com/")
    assert "redirect_urls" not in plain["oauth_config"]
    assert "app_uninstalled" not in plain["settings"]["event_subscriptions"]["bot_events"]
    with pytest.raises(ValueError, match="OAuth needs HTTP mode"):
        manifest(oauth=True)


def test_the_adapter_calls_only_methods_the_scopes_allow() -> None:
    """Each Web API method the adapter calls, and the scope Slack requires for it."""
    needs = {"auth_test": None, "chat_postMessage": "chat:write", "chat_update": "chat:write",
             "conversations_history": "channels:history", "conversations_replies": "channels:history",
             "users_info": "users:read", "conversations_open": "im:write", "files_upload_v2": "files:write", "files_list": "files:read", "files_info": "files:read",
             "views_open": None, "chat_postEphemeral": "chat:write"}  # fmt: skip
    source = (ROOT / "bot" / "platforms" / "slack" / "adapter.py").read_text()
    called = set(
        re.findall(r"(?<!socket\.)\bclient\.(\w+)\(", source)
    )  # self.client, team.client, a team's client
    assert called == set(needs)
    assert {scope for scope in needs.values() if scope} <= set(manifest()["oauth_config"]["scopes"]["bot"])
    assert SlackPlatform.name == "slack"
