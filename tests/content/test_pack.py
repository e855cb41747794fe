"""The WebSockets & Real-time pack is code: loaded, compared with the seed, its code blocks
compiled, and every fact that can be computed computed here from RFC 6455."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import struct
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from bot.core.models import LEVELS, Question
from bot.core.questions import Pack, builtin_packs_dir, load_pack

HERE = Path(__file__).resolve().parent
SEED = HERE / "seed.txt"  # a copy of shared/seeds/000_9e4ba15be62f458e.txt, the pack's source
SHARED_SEED = HERE.parents[2] / "shared" / "seeds" / "000_9e4ba15be62f458e.txt"
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)


def seed_questions() -> list[tuple[str, int, str]]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    level, found = None, []
    for i, line in enumerate(lines):
        if line.lower() in LEVELS:
            level = line.lower()
        elif level and re.fullmatch(r"\d\d", line):
            found.append((level, int(line), lines[i + 1]))
    return found


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack(builtin_packs_dir() / "websockets-realtime")


@pytest.fixture(scope="module")
def by_id(pack: Pack) -> dict[str, Question]:
    return {q.id: q for q in pack.questions}


def answer(by_id: dict[str, Question], level: str, number: int) -> str:
    return by_id[f"websockets-realtime/{level}-{number:02d}"].body


def code_blocks(pack: Pack) -> list[tuple[Question, str, str]]:
    return [(q, lang, code) for q in pack.questions for lang, code in FENCE.findall(q.body)]


# ---------------------------------------------------------------- the pack against the seed


def test_the_seed_copy_is_the_shared_seed() -> None:
    if SHARED_SEED.exists():  # the shared folder sits beside the checkout in development
        assert SEED.read_bytes() == SHARED_SEED.read_bytes()
    assert Counter(level for level, _, _ in seed_questions()) == {
        "beginner": 20,
        "intermediate": 19,
        "advanced": 10,
    }


def test_49_questions_with_the_seeds_titles_levels_and_order(pack: Pack) -> None:
    assert [(q.level, q.number, q.title) for q in pack.questions] == seed_questions()
    assert [q.id for q in pack.questions] == [
        f"websockets-realtime/{lv}-{n:02d}" for lv, n, _ in seed_questions()
    ]


def test_every_question_is_complete_and_within_its_limits(pack: Pack) -> None:
    for q in pack.questions:
        assert len(q.summary) <= 280, q.id
        assert len(q.body) <= 2500, q.id
        assert 3 <= len(q.key_points) <= 6, q.id
        assert 2 <= len(q.follow_ups) <= 3, q.id
        assert q.references and all(re.search(r"<https://[^>]+>", r) for r in q.references), q.id
        assert q.title not in q.body, f"{q.id} repeats its title"
        assert q.source.name.startswith(f"{q.number:02d}-"), q.source


def test_every_answer_cites_a_primary_source_with_a_section_or_page(pack: Pack) -> None:
    primary = ("rfc-editor.org", "whatwg.org", "developer.mozilla.org", "w3.org", "socket.io", "github.com/websockets",
               "redis.io", "stomp.github.io", "hexdocs.pm", "kubernetes", "ietf.org", "hal.science", "nginx")  # fmt: skip
    for q in pack.questions:
        assert any(site in ref for ref in q.references for site in primary), q.id


def test_questions_that_ask_how_have_a_code_example(pack: Pack) -> None:
    for q in pack.questions:
        if q.title.startswith("How do you") and "browsers" not in q.title:
            assert FENCE.search(q.body), f"{q.id} asks how but shows no code"


# ---------------------------------------------------------------- code blocks


def test_python_blocks_compile(pack: Pack) -> None:
    blocks = [(q, code) for q, lang, code in code_blocks(pack) if lang == "python"]
    assert blocks
    for q, code in blocks:
        compile(code, f"{q.id}.py", "exec")


def test_json_blocks_parse(pack: Pack) -> None:
    for q, lang, code in code_blocks(pack):
        if lang == "json":
            json.loads(code), q.id


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed on this machine")
def test_javascript_blocks_pass_node_check(pack: Pack, tmp_path: Path) -> None:
    blocks = [(q, code) for q, lang, code in code_blocks(pack) if lang in ("js", "javascript")]
    assert len(blocks) >= 20
    for index, (q, code) in enumerate(blocks):
        module = re.search(r"^\s*(import|export)\s", code, re.M)
        path = tmp_path / f"block{index}.{'mjs' if module else 'js'}"
        path.write_text(code)
        result = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{q.id}:\n{result.stderr}"


def test_code_blocks_use_known_languages(pack: Pack) -> None:
    assert {lang for _, lang, _ in code_blocks(pack)} <= {
        "python",
        "js",
        "javascript",
        "json",
        "http",
        "text",
    }


# ---------------------------------------------------------------- facts computed from RFC 6455


def accept_key(key: str) -> str:
    """RFC 6455 section 4.2.2: base64(SHA-1(key + GUID))."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def frame(payload: bytes, opcode: int = 0x1, mask: bytes | None = None) -> bytes:
    """One final frame, encoded as RFC 6455 section 5.2 lays it out."""
    head = bytes([0x80 | opcode])
    bit = 0x80 if mask else 0
    n = len(payload)
    if n <= 125:
        head += bytes([bit | n])
    elif n <= 0xFFFF:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if mask:
        head += mask
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + payload


def test_the_handshake_answer_shows_the_rfc_sample_and_it_computes(by_id: dict[str, Question]) -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    text = answer(by_id, "beginner", 3)
    assert "dGhlIHNhbXBsZSBub25jZQ==" in text
    assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in text
    assert GUID in text


def test_every_key_and_accept_pair_in_the_pack_matches(pack: Pack) -> None:
    pairs = 0
    for q in pack.questions:
        keys = re.findall(r"Sec-WebSocket-Key: (\S+)", q.body)
        accepts = re.findall(r"Sec-WebSocket-Accept: (\S+)", q.body)
        for key, accept in zip(keys, accepts, strict=False):
            assert accept_key(key) == accept, q.id
            pairs += 1
    assert pairs >= 2


OPCODES = {0x0: "continuation", 0x1: "text", 0x2: "binary", 0x8: "close", 0x9: "ping", 0xA: "pong"}


def test_opcodes_quoted_anywhere_match_the_rfc(pack: Pack) -> None:
    quoted = 0
    for q in pack.questions:
        for value, name in re.findall(r"`0x([0-9A-Fa-f])`\s+\(?([a-z]+)", q.body):
            number = int(value, 16)
            expected = OPCODES.get(number, "reserved")
            assert name == expected, f"{q.id}: 0x{value} is {expected}, not {name}"
            quoted += 1
    assert quoted >= 6


def test_frame_header_sizes_in_the_frame_answer_are_the_computed_ones(by_id: dict[str, Question]) -> None:
    sizes = {n: len(frame(b"x" * n)) - n for n in (0, 125, 126, 65535, 65536)}
    assert sizes == {0: 2, 125: 2, 126: 4, 65535: 4, 65536: 10}
    masked = {len(frame(b"x" * n, mask=b"abcd")) - n for n in (125, 126, 65536)}
    assert masked == {6, 8, 14}
    text = answer(by_id, "beginner", 12)
    assert [int(n) for n in re.findall(r"header = \*\*(\d+) bytes\*\*", text)] == [2, 4, 10]
    assert "**6, 8 or 14 bytes**" in text
    assert "**4-byte** masking key" in text


def test_the_rfc_hello_frames_quoted_in_the_frame_answer_compute(by_id: dict[str, Question]) -> None:
    text = answer(by_id, "beginner", 12)
    unmasked = frame(b"Hello").hex(" ")
    masked = frame(b"Hello", mask=bytes.fromhex("37fa213d")).hex(" ")
    assert unmasked == "81 05 48 65 6c 6c 6f"
    assert masked == "81 85 37 fa 21 3d 7f 9f 4d 51 58"
    assert f"`{unmasked}`" in text
    assert f"`{masked}`" in text


CLOSE_CODE_NAMES = {
    1000: ("normal",), 1001: ("going away",), 1002: ("protocol error",), 1003: ("unsupported data",),
    1005: ("no status",), 1006: ("abnormal",), 1007: ("invalid", "inconsistent"), 1008: ("policy",),
    1009: ("message too big", "too big"), 1010: ("mandatory extension",), 1011: ("internal", "unexpected"),
    1012: ("service restart",), 1013: ("try again later",), 1014: ("bad gateway",), 1015: ("tls",),
}  # fmt: skip


def test_close_codes_are_never_given_another_codes_name(pack: Pack) -> None:
    checked = 0  # "1012/1013 (service restart, try again later)" lists are skipped, not misread
    for q in pack.questions:
        text = q.body + "\n" + "\n".join(q.key_points) + "\n" + q.summary
        for code, after in re.findall(
            r"(?<![/\d])(10\d\d)\b(?!/)\**\)?\s*[(:=-]?\s*\"?([A-Za-z][A-Za-z ]{2,24})", text
        ):
            after = after.lower()
            owners = [c for c, names in CLOSE_CODE_NAMES.items() if any(after.startswith(n) for n in names)]
            if owners:
                assert int(code) in owners, f"{q.id}: {code} is not '{after}'"
                checked += 1
    assert checked >= 10


def test_no_code_sends_a_reserved_close_code_or_a_browser_code_it_cannot(pack: Pack) -> None:
    for q, _, code in code_blocks(pack):
        assert not re.search(r"close\(\s*(1005|1006|1015)\b", code), (
            f"{q.id} sends a code that never goes on the wire"
        )
    close_answer = answer(_ids(pack), "beginner", 18)
    assert "**1000** or in **3000-4999**" in close_answer
    assert "123 bytes of UTF-8" in close_answer
    assert 125 - 2 == 123  # control frame payload limit minus the 2-byte status code


def _ids(pack: Pack) -> dict[str, Question]:
    return {q.id: q for q in pack.questions}


# ---------------------------------------------------------------- beliefs the answers must correct


def test_common_myths_are_corrected_not_repeated(pack: Pack, by_id: dict[str, Question]) -> None:
    every = {q.id: (q.body + " " + q.summary + " " + " ".join(q.key_points)) for q in pack.questions}
    for qid, text in every.items():
        if "Google Docs" in text:
            assert re.search(r"operational transform|\bOT\b", text, re.I), f"{qid}: Google Docs uses OT"
            assert not re.search(r"Google Docs (uses|is built on|relies on) (a )?CRDT", text), qid
        assert not re.search(
            r"masking[^.]*(encrypts|for security of the payload|hides the payload)", text, re.I
        ), qid
    redis = answer(by_id, "intermediate", 7)
    assert re.search(r"at[- ]most[- ]once", redis, re.I)
    assert re.search(r"Streams", redis)
    security = answer(by_id, "intermediate", 12)
    assert "Origin" in security
    assert "CORS" in security
    ping = answer(by_id, "beginner", 14)
    assert re.search(r"either (endpoint|side)", ping, re.I)
    assert re.search(r"browser[^.]*(cannot|can't|no API)", ping, re.I)
    crdt = answer(by_id, "advanced", 6)
    assert re.search(r"operational transform", crdt, re.I)
