"""Facts the third audit (issue 17) corrected in the Intermediate answers, checked where they are
stated, so a later edit cannot quietly bring the old claim back."""

from __future__ import annotations

import re

from tests.content.blocks import PACK


def text(qid: str) -> str:
    level, number = qid.split("-")
    (path,) = (PACK / level).glob(f"{int(number):02d}-*.md")
    return path.read_text(encoding="utf-8")


def every_answer(levels: tuple[str, ...] = ("beginner", "intermediate")) -> dict[str, str]:
    """The answers of these levels (the Advanced corrections have their own tests)."""
    return {
        f"{level}-{p.name[:2]}": p.read_text(encoding="utf-8")
        for level in levels
        for p in sorted((PACK / level).glob("*.md"))
    }


def test_ingress_nginx_is_never_presented_as_current() -> None:
    """Kubernetes blog 2025-11-11: ingress-nginx retired, best-effort maintenance until March 2026."""
    for qid, body in every_answer().items():
        assert "kubernetes.github.io/ingress-nginx" not in body, f"{qid} cites the retired ingress-nginx docs"
        for sentence in re.findall(r"[^.\n]*ingress-nginx[^.\n]*", body):
            assert "retire" in sentence, f"{qid}: {sentence.strip()}"


def test_the_proxy_answers_say_http2_and_http3_websockets_are_extended_connect_and_nginx_has_neither() -> (
    None
):
    for qid in ("intermediate-06", "intermediate-16"):
        body = text(qid)
        assert "RFC 8441" in body and "RFC 9220" in body, qid
        assert re.search(r"nginx implements neither", body), qid


def test_the_ephemeral_port_figure_follows_from_linuxs_default_range() -> None:
    """ip_local_port_range defaults to 32768 60999 (kernel docs, ip-sysctl)."""
    ports = 60999 - 32768 + 1
    assert ports == 28232
    body = text("intermediate-06")
    assert "32768-60999" in body and "about 28k" in body
    assert "about 28k" in text("intermediate-16")


def test_origin_is_refused_with_403_and_a_missing_credential_with_401() -> None:
    for qid in ("intermediate-05", "intermediate-12"):
        code = text(qid)
        assert re.search(
            r"ALLOWED\w*\.has\(req\.headers\.origin\)\) return \w+\(socket, 403\)", code
        ) or re.search(
            r"ALLOWED\w*\.has\(req\.headers\.origin\)\) return socket\.end\('HTTP/1\.1 403", code
        ), qid
        assert "401" in code, qid


def test_compression_side_channels_and_the_broadcast_cost_are_stated_with_their_condition() -> None:
    assert "RFC 7692 section 9" in text("intermediate-12") and "CRIME" in text("intermediate-12")
    broadcast = text("intermediate-11")
    assert "context takeover" in broadcast and "server_no_context_takeover" in broadcast


def test_socket_io_transports_include_webtransport_since_4_7() -> None:
    assert re.search(r"since 4\.7 also WebTransport", text("intermediate-04"))


def test_api_gateways_message_size_is_a_quota_not_a_default() -> None:
    body = text("intermediate-18")
    assert "fixed quotas that cannot be raised" in body
    assert not re.search(r"API Gateway[^.\n]*default", body)


def test_the_pubsub_buffer_limit_is_quoted_in_full_and_sharded_pubsub_is_named() -> None:
    body = text("intermediate-07")
    assert "client-output-buffer-limit pubsub 32mb 8mb 60" in body
    assert "SPUBLISH" in body and "createShardedAdapter" in body
