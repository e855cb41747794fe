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
import zlib
from collections import Counter
from pathlib import Path

import pytest

from bot.core.daily.questions import Pack, builtin_packs_dir, load_pack
from bot.core.shared.models import LEVELS, Question
from tests.content.blocks import encode

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
    """The first-party pack's bar, above what the loader asks of a team's own questions."""
    for q in pack.questions:
        assert len(q.summary) <= 280, q.id
        assert len(q.body) <= 2500, q.id
        assert 3 <= len(q.key_points) <= 6, q.id
        assert 2 <= len(q.follow_ups) <= 3, q.id
        assert q.references and all(re.search(r"<https://[^>]+>", r) for r in q.references), q.id
        assert 1 <= len(q.tags) <= 6, q.id
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
    """One final frame, encoded as RFC 6455 section 5.2 lays it out (unmasked unless a key is given)."""
    return encode(payload, opcode, mask=mask or False)


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


# ---------------------------------------------------------------- code that runs, and numbers that follow


def test_python_blocks_that_assert_something_run_and_hold(pack: Pack) -> None:
    """Blocks that check their own result (the RFC accept key, the PN-counter merge) are run, not only compiled."""
    ran = []
    for q, lang, code in code_blocks(pack):
        if lang == "python" and re.search(r"^assert ", code, re.M):
            assert "asyncio.run(" not in code, f"{q.id}: a block that asserts must not start a server"
            exec(compile(code, f"{q.id}.py", "exec"), {"__name__": f"block_{q.number}"})
            ran.append(q.id)
    assert {"websockets-realtime/beginner-03", "websockets-realtime/advanced-06"} <= set(ran)


def run_node(tmp_path: Path, code: str) -> object:
    """Run a script under node and return the JSON it prints last."""
    path = tmp_path / f"run{len(list(tmp_path.iterdir()))}.js"
    path.write_text(code)
    result = subprocess.run(["node", str(path)], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def js_block(by_id: dict[str, Question], level: str, number: int, index: int = 0) -> str:
    return [
        code for lang, code in FENCE.findall(answer(by_id, level, number)) if lang in ("js", "javascript")
    ][index]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed on this machine")
def test_the_binary_answers_encoder_writes_the_layout_it_documents_and_its_decoder_reads_it(
    by_id: dict[str, Question], tmp_path: Path
) -> None:
    code = js_block(by_id, "intermediate", 10)
    layout = re.search(r"^// Browser: ((?:\[[^\]]+\])+)$", code, re.M)
    assert layout, "the block states its byte layout in a comment"
    fields = [item.split() for item in re.findall(r"\[([^\]]+)\]", layout.group(1))]
    sizes = {"u8": "B", "u32": "I", "float32": "f"}
    head = "".join(sizes[kind] for kind, *rest in fields if rest != ["x", "N"])
    assert fields[-1] == ["float32", "x", "N"], fields
    samples = [1.5, -2.25, 3.0]
    expected = struct.pack(f">{head}{'f' * len(samples)}", 1, 2, 7, *samples)  # version 1, type 2, seq 7
    stub = "class WebSocket { constructor(url) { this.url = url; this.sent = []; } send(d) { this.sent.push(d); } }\n"
    probe = f"""
sendSamples(7, {json.dumps(samples)});
const buf = Buffer.from(sock.sent[0]);
console.log(JSON.stringify({{ hex: buf.toString('hex'), back: decode(buf, true), text: decode(Buffer.from('{{"a":1}}'), false) }}));
"""
    out = run_node(tmp_path, stub + code + probe)
    assert isinstance(out, dict)
    assert out["hex"] == expected.hex(), "the encoder does not write the documented big-endian layout"
    assert out["back"] == {"version": 1, "type": 2, "seq": 7, "samples": samples}
    assert out["text"] == {"a": 1}


def test_the_memory_answers_zlib_figures_follow_from_nodes_formula_at_the_defaults(
    by_id: dict[str, Question], pack: Pack
) -> None:
    """Node's zlib docs: deflate needs (1 << (windowBits + 2)) + (1 << (memLevel + 9)) bytes, inflate 1 << windowBits."""
    window_bits, mem_level = zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL  # 15 and 8, zlib's and Node's defaults
    deflate_kib = ((1 << (window_bits + 2)) + (1 << (mem_level + 9))) // 1024
    inflate_kib = (1 << window_bits) // 1024
    assert (deflate_kib, inflate_kib) == (256, 32)
    text = answer(by_id, "advanced", 8)
    assert "`(1 << (windowBits+2)) + (1 << (memLevel+9))`" in text
    assert f"= {deflate_kib} KiB to deflate at defaults, plus {inflate_kib} KiB" in text
    q = by_id["websockets-realtime/advanced-08"]
    quoted = {int(n) for n in re.findall(r"(?:about|~)\s?(\d+) KiB", q.summary + text)}
    assert quoted, "the per-connection total is quoted"
    for total in quoted:  # deflate + inflate + "a few KiB" of small objects
        assert deflate_kib + inflate_kib <= total <= deflate_kib + inflate_kib + 16, total


def test_the_size_answers_limits_compute(by_id: dict[str, Question]) -> None:
    text = answer(by_id, "intermediate", 18)
    largest = 2**63 - 1  # a 64-bit length whose most significant bit must be 0 (RFC 6455 5.2)
    assert struct.pack("!Q", largest)[0] & 0x80 == 0 and struct.pack("!Q", largest + 1)[0] & 0x80
    exabytes = re.search(r"2\^63 - 1 bytes \(about ([\d.]+) exabytes\)", text)
    assert exabytes and float(exabytes.group(1)) == round(largest / 10**18, 1)
    assert "2^53 - 1 bytes" in text  # Number.MAX_SAFE_INTEGER
    assert int(float(2**53 - 1)) == 2**53 - 1 and float(2**53 + 1) == float(2**53)  # exact up to 2^53 only

    def int32(n: int) -> int:  # what `n | 0` does in JavaScript
        return struct.unpack("<i", struct.pack("<I", n % 2**32))[0]

    assert "a `maxPayload` of 2 GiB or more wraps and can switch the limit off" in text
    assert int32(2 * 1024**3 - 1) > 0 and int32(2 * 1024**3) <= 0 and int32(4 * 1024**3) == 0
    assert "`max_size`, default 1 MiB (2**20)" in text and 2**20 == 1024 * 1024


ENGINE_IO = {"0": "open", "1": "close", "2": "ping", "3": "pong", "4": "message", "5": "upgrade", "6": "noop"}
SOCKET_IO = {
    "0": "connect",
    "1": "disconnect",
    "2": "event",
    "3": "ack",
    "4": "connect_error",
    "5": "binary_event",
}


def test_engine_io_and_socket_io_packets_quoted_decode_to_what_the_text_says(
    by_id: dict[str, Question],
) -> None:
    """Packet types from the Engine.IO v4 and Socket.IO v5 protocol specs (socket.io/docs/v4)."""
    upgrade = answer(by_id, "beginner", 16)
    probe = re.search(r"\*\*probe\*\* (\w+) \(`(\d)probe`\)\. The server answers `(\d)probe`", upgrade)
    assert probe, "the probe exchange is quoted"
    assert ENGINE_IO[probe.group(2)] == probe.group(1) == "ping"
    assert ENGINE_IO[probe.group(3)] == "pong"
    packet = re.search(r"\*\*upgrade\*\* packet \(`(\d)`\)", upgrade)
    assert packet and ENGINE_IO[packet.group(1)] == "upgrade"
    layers = answer(by_id, "intermediate", 4)
    event = re.search(r"an event is sent as `(\d)(\d)(\[.*?\])`", layers)
    assert event, "the event packet is quoted"
    assert ENGINE_IO[event.group(1)] == "message" and SOCKET_IO[event.group(2)] == "event"
    name, *args = json.loads(event.group(3))
    assert isinstance(name, str) and args


def stomp_frames(js: str) -> list[str]:
    """The STOMP frames a JS block sends, as single-quoted string literals with \\n and \\0 escapes."""
    literals = re.findall(r"'((?:CONNECT|STOMP|SEND|SUBSCRIBE|UNSUBSCRIBE|ACK|NACK|DISCONNECT)\\n[^']*)'", js)
    return [lit.replace("\\n", "\n").replace("\\0", "\0") for lit in literals]


def test_stomp_frames_in_the_stomp_answer_follow_the_1_2_grammar(by_id: dict[str, Question]) -> None:
    """STOMP 1.2: command EOL, name:value headers, a blank line, a body, NUL; required headers per command."""
    text = answer(by_id, "intermediate", 17)
    required = {
        "CONNECT": {"accept-version", "host"},
        "SEND": {"destination"},
        "SUBSCRIBE": {"destination", "id"},
    }
    shown = [f.rstrip("\n").replace("^@", "\0") for lang, f in FENCE.findall(text) if lang == "text"]
    frames = shown + stomp_frames(js_block(by_id, "intermediate", 17))
    assert len(frames) >= 3
    for raw in frames:
        assert raw.endswith("\0") and raw.count("\0") == 1, repr(raw)
        head, _, body = raw[:-1].partition("\n\n")
        command, *lines = head.split("\n")
        headers = dict(line.split(":", 1) for line in lines)
        assert required.get(command, set()) <= set(headers), (
            f"{command} lacks {required[command] - set(headers)}"
        )
        assert not body.strip() or command in ("SEND", "MESSAGE", "ERROR"), f"{command} may not have a body"
        if "heart-beat" in headers:
            assert re.fullmatch(r"\d+,\d+", headers["heart-beat"])
        if command == "CONNECT":
            assert "1.2" in headers["accept-version"].split(",")
            assert "v12.stomp" in text  # the subprotocol name that goes with 1.2


# Library defaults as the projects ship them (ws 8.23, Socket.IO 4.8, engine.io 6.6, checked in their source):
# every answer that quotes one must quote the same value, so an outdated figure in one file cannot hide.
LIBRARY_DEFAULTS = {
    "maxPayload": (r"(\d+) MiB", "100"),  # ws: 100 * 1024 * 1024
    "maxFragments": (r"([\d,]+) by default", "16,384"),  # ws >= 8.21.1: 16 * 1024 (8.21.0 shipped 131072)
    "pingInterval": (r"(\d+) s\b", "25"),  # engine.io: 25000 ms
    "pingTimeout": (r"(\d+) s\b", "20"),  # engine.io v4: 20000 ms (Socket.IO v2 used 5000)
    "maxHttpBufferSize": (r"(\d+) MB", "1"),  # engine.io: 1e6 bytes
    "maxDisconnectionDuration": (r"(\d+) min", "2"),  # socket.io: 2 * 60 * 1000 ms
    "close timeout": (r"(\d+) s\b", "30"),  # ws closeTimeout: 30000 ms
    "closeTimeout": (r"(\d+) s\b", "30"),
}


def test_library_defaults_are_quoted_the_same_everywhere(pack: Pack) -> None:
    assert 100 * 1024 * 1024 == 104_857_600 and 16 * 1024 == 16_384
    quoted = Counter()
    for q in pack.questions:
        text = "\n".join([q.summary, *q.key_points, q.body])
        for name, (value_re, expected) in LIBRARY_DEFAULTS.items():
            for m in re.finditer(re.escape(name), text):
                window = text[m.end() : m.end() + 45].split(". ")[0]
                if "wraps" in window:  # the 32-bit coercion sentence quotes 2 GiB on purpose
                    continue
                value = re.search(value_re, window)
                if value:
                    assert value.group(1) == expected, f"{q.id}: {name} {value.group(1)}, not {expected}"
                    quoted[name] += 1
    assert quoted["maxPayload"] >= 8 and quoted["pingTimeout"] >= 3 and quoted["maxFragments"] == 1, quoted


def test_the_aes_gcm_message_bound_follows_from_the_96_bit_random_iv(by_id: dict[str, Question]) -> None:
    """SP 800-38D 8.3: random IVs keep the chance of any repeat under 2^-32; the birthday bound gives 2^32."""
    text = answer(by_id, "advanced", 3)
    bound = re.search(r"random IVs allow at most 2\^(\d+) messages per key", text)
    iv = re.search(r"getRandomValues\(new Uint8Array\((\d+)\)\); // (\d+)-bit", text)
    assert bound and iv and int(iv.group(1)) * 8 == int(iv.group(2)) == 96

    def collision(n: int, bits: int = 96) -> float:  # P(any two of n random IVs are equal) ~ n^2 / 2^(bits+1)
        return n * (n - 1) / 2 / 2**bits

    n = 2 ** int(bound.group(1))
    assert collision(n) <= 2**-32 < collision(2 * n)


def http_messages(pack: Pack) -> list[tuple[Question, str, list[tuple[str, str]]]]:
    """Every HTTP message quoted in an http block: (question, start line, [(header, value), ...])."""
    found = []
    for q, lang, code in code_blocks(pack):
        if lang != "http":
            continue
        for message in re.split(r"\n\s*\n", code.strip()):
            start, *lines = message.strip().split("\n")
            found.append((q, start, [tuple(part.strip() for part in line.split(":", 1)) for line in lines]))
    return found


SEPARATORS = set('()<>@,;:\\"/[]?={} \t')  # RFC 2616 2.2, which RFC 6455 4.1 uses for subprotocol tokens


def test_every_quoted_handshake_is_one_a_client_and_server_would_accept(pack: Pack) -> None:
    """RFC 6455 4.1 (client request) and 4.2.2 / 4.1 step 6 (server response, as the client checks it)."""
    pairs = 0
    request: dict[str, list[str]] = {}
    for q, start, headers in http_messages(pack):
        fields: dict[str, list[str]] = {}
        for name, value in headers:
            fields.setdefault(name.lower(), []).append(value)
        if start.startswith("GET "):
            assert re.fullmatch(r"GET /\S* HTTP/1\.1", start), f"{q.id}: {start}"
            assert fields["upgrade"][0].lower() == "websocket" and "host" in fields, q.id
            assert "upgrade" in [t.strip().lower() for t in fields["connection"][0].split(",")], q.id
            assert fields["sec-websocket-version"] == ["13"], q.id
            assert len(base64.b64decode(fields["sec-websocket-key"][0], validate=True)) == 16, q.id
            offered = [t.strip() for v in fields.get("sec-websocket-protocol", []) for t in v.split(",")]
            assert len(offered) == len(set(offered)), f"{q.id}: subprotocols must be unique"
            assert all(
                t and all(0x21 <= ord(c) <= 0x7E and c not in SEPARATORS for c in t) for t in offered
            ), q.id
            request = fields | {"offered": offered}
        else:
            assert start == "HTTP/1.1 101 Switching Protocols", f"{q.id}: {start}"
            assert request, f"{q.id}: a response with no request before it"
            assert fields["upgrade"][0].lower() == "websocket", q.id
            assert "upgrade" in fields["connection"][0].lower(), q.id
            assert fields["sec-websocket-accept"] == [accept_key(request["sec-websocket-key"][0])], q.id
            chosen = fields.get("sec-websocket-protocol", [])
            assert len(chosen) <= 1 and all(c in request["offered"] for c in chosen), f"{q.id}: {chosen}"
            pairs += 1
            request = {}
    assert pairs >= 2


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed on this machine")
def test_the_e2ee_answers_key_agreement_and_aead_round_trip_under_node(
    by_id: dict[str, Question], tmp_path: Path
) -> None:
    """Two parties derive the same AES-GCM key with the answer's X25519 + HKDF code; the header is
    authenticated, not encrypted: the receiver decrypts with it and a changed header is rejected."""
    code = js_block(by_id, "advanced", 3)
    probe = """
(async () => {
  const gen = () => subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
  const [a, b] = [await gen(), await gen()];
  const raw = (k) => subtle.exportKey('raw', k.publicKey);
  const kA = await sharedKey(a.privateKey, await raw(b), 'room:1 v1');
  const kB = await sharedKey(b.privateKey, await raw(a), 'room:1 v1');
  const sent = [];
  const header = { room: 1, from: 'alice', seq: 7 };
  await sendEncrypted({ send: (s) => sent.push(s) }, kA, header, 'hello');
  const msg = JSON.parse(sent[0]);
  const open = (h) => subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(msg.iv),
    additionalData: enc.encode(JSON.stringify(h)) }, kB, new Uint8Array(msg.ct));
  const text = new TextDecoder().decode(await open(msg.header));
  const tampered = await open({ ...msg.header, seq: 8 }).then(() => 'accepted', () => 'rejected');
  console.log(JSON.stringify({ text, ivBytes: msg.iv.length, header: msg.header, tampered }));
})();
"""
    out = run_node(tmp_path, code + probe)
    assert out == {
        "text": "hello",
        "ivBytes": 12,
        "header": {"room": 1, "from": "alice", "seq": 7},
        "tampered": "rejected",
    }


def test_nginx_configs_pass_the_upgrade_and_outlast_the_packs_heartbeat(pack: Pack) -> None:
    """nginx docs (WebSocket proxying): HTTP/1.1 upstream plus explicit Upgrade/Connection headers, and
    proxy_read_timeout (60 s by default) must be longer than the interval of the server pings that keep it open."""
    pings = [
        int(ms)
        for _, lang, code in code_blocks(pack)
        if lang in ("js", "javascript") and ".ping()" in code
        for ms in re.findall(r"\}, (\d+)\);", code)
    ]
    assert len(pings) >= 3 and max(pings) <= 60_000, pings  # below nginx's default 60 s as well
    configs = [code for _, lang, code in code_blocks(pack) if lang == "text" and "proxy_pass" in code]
    assert len(configs) >= 2
    for conf in configs:
        assert re.search(r"^\s*proxy_http_version 1\.1;", conf, re.M), conf
        assert re.search(r"^\s*proxy_set_header Upgrade \$http_upgrade;", conf, re.M), conf
        assert re.search(r'^\s*proxy_set_header Connection "?upgrade"?;', conf, re.M | re.I), conf
        timeout = re.search(r"proxy_read_timeout (\d+)s;", conf)
        assert timeout and int(timeout.group(1)) * 1000 > max(pings), conf


def test_no_code_puts_a_bearer_token_in_the_url(pack: Pack) -> None:
    """The pack's own rule (intermediate-05, -12): URLs get logged, so only a single-use ticket may go in one.
    Phoenix params and Socket.IO query end up in the query string; Phoenix 1.8 has authToken instead."""
    for q, lang, code in code_blocks(pack):
        if lang not in ("js", "javascript"):
            continue
        assert not re.search(r"params:\s*\{[^}]*\b(token|jwt|auth)\w*\s*:", code, re.I), (
            f"{q.id}: token in params"
        )
        assert not re.search(r"query:\s*\{[^}]*\b(token|jwt)\w*\s*:", code, re.I), f"{q.id}: token in query"
        assert not re.search(r"[?&](token|jwt|access_token)=", code, re.I), f"{q.id}: token in a URL"
