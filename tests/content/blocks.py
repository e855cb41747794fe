"""Run the pack's code blocks as readers would copy them, against what they claim and against hostile
clients. The interface (content tests import it; conftest.py provides the fixtures):

Blocks
    block(qid, index=0, langs=JS) -> str      the index-th code block of that language in a question,
                                              qid like "intermediate-07"
    close_during_backoff(node, qid, export, start) -> dict
                                              the "closed by the app during its backoff wait" case
    RIG, RECONNECT_RIG                        fixtures/rig.js for node scripts (until, browserSockets,
                                              acceptingServer) and the start of a reconnect test
    wrap_timers(code, exports) -> str         the block inside a function whose setTimeout/setInterval/
                                              clearTimeout/clearInterval/Date are `clock`'s (fixtures/clock.js);
                                              the script gets `clock` and `block` = {name: value for exports}
Node (fixtures `node`, and `redis_node`: a Node whose blocks reach a real redis-server, `redis_port`)
    node.run(script) -> object                run a script to its end; the JSON it prints last
    node.output(script) -> str                run a script to its end (exit 0); all it printed
    node.start(script, env=None) -> Server    start a block as a server; returns once it listens
    Server.port / .ports                      the free port(s) it got (the block's own 8080/3000 are
                                              remapped by fixtures/preload.js; `new Redis()` reaches redis_port)
    Server.alive() -> bool                    the process still runs
    Server.serves(path, headers) -> bool      alive and a new client completes the handshake (101)
    Server.stop() -> str                      end it; what it wrote to stderr
Python (fixture `python` -> Python): the same start/run/output for Python blocks, with the pins of
    requirements-blocks.txt on the path (fixtures/preload.py remaps ports the same way)
Hostile clients (raw TCP, frames built by hand per RFC 6455 section 5.2)
    Raw(port, path="/", headers=None)         a client after its handshake; .status is the HTTP status
    encode(payload, opcode=1, mask=True, fin=True, length=None) -> bytes
                                              one frame; mask is a 4-byte key or True for a fixed one
    Raw.send(payload, opcode=1, mask=True, fin=True, length=None)
                                              one frame; mask=False is the unmasked client frame a server
                                              must fail (5.1); length= claims a length the payload lacks
    Raw.recv() -> (opcode, payload)           one frame from the server (pings are answered)
    Raw.close_code() -> int | None            read until the server's close frame (its code) or EOF (None)
    SocketIO(port, namespace="/", auth=None)  an Engine.IO v4 / Socket.IO v5 client over Raw;
    SocketIO.emit(event, *args, ack=None)     an EVENT packet, with an ack id only when `ack` is given
    SocketIO.recv() -> list                   the next EVENT/ACK packet's JSON (Engine.IO pings answered)
    hostile(port, path="/", headers=None, max_payload=None) -> dict   (compare with SURVIVES)
                                              every case at once: unmasked frame, malformed JSON, a
                                              3-byte binary message, a message over max_payload; each on
                                              its own connection, with what the server answered; `path`
                                              may be a function giving each connection its own (tickets)
"""

from __future__ import annotations

import json
import os
import re
import socket
import struct
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.core.daily.questions import builtin_packs_dir

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
PACK = builtin_packs_dir() / "websockets-realtime"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)
JS = ("js", "javascript")
RIG = json.dumps(str(FIXTURES / "rig.js"))  # require(RIG): until, browserSockets, acceptingServer
# A script's start for a reconnecting client block: `made` (its sockets), `wss` and `accepted`, `until`.
RECONNECT_RIG = f"""
const {{ until, browserSockets, acceptingServer, NodeWebSocket }} = require({RIG});
const {{ once }} = require('node:events');
const made = browserSockets();
const {{ wss, accepted }} = acceptingServer();
"""
UNTIL = f"const {{ until }} = require({RIG});\n"
TIMEOUT = 10.0  # seconds any one socket read or process start may take before the test fails


def block(qid: str, index: int = 0, langs: Iterable[str] = JS) -> str:
    level, number = qid.split("-")
    (path,) = (PACK / level).glob(f"{int(number):02d}-*.md")
    found = [code for lang, code in FENCE.findall(path.read_text(encoding="utf-8")) if lang in tuple(langs)]
    return found[index]


def wrap_timers(code: str, exports: Iterable[str]) -> str:
    names = ", ".join(exports)
    return (
        f"const clock = require({json.dumps(str(FIXTURES / 'clock.js'))}).createClock();\n"
        "const block = ((setTimeout, clearTimeout, setInterval, clearInterval, Date) => {\n"
        f"{code}\nreturn {{ {names} }};\n"
        "})(clock.setTimeout, clock.clearTimeout, clock.setInterval, clock.clearInterval, { now: clock.now });\n"
    )


def close_during_backoff(node: Node, qid: str, export: str, start: str) -> object:
    """A reconnecting client block: drop its link, let it schedule the retry, close it from the app
    (`start` is the JS that returns the block's handle, with `url` and `block.<export>` in scope), then
    run the clock for five minutes. A stoppable client gives {"retrying": 1, "opened": 1, "pending": 0}."""
    script = (
        wrap_timers(block(qid), [export])
        + RECONNECT_RIG
        + f"""
(async () => {{
  await once(wss, 'listening');
  const url = `ws://127.0.0.1:${{wss.address().port}}`;
  const conn = {start};
  await until(() => accepted.length === 1);
  await until(() => made[0].readyState === NodeWebSocket.OPEN);
  accepted[0].terminate();
  await until(() => made[0].readyState === NodeWebSocket.CLOSED); // its onclose has run
  const retrying = clock.pending();
  conn.close();
  await clock.advance(300000);
  console.log(JSON.stringify({{ retrying, opened: made.length, pending: clock.pending() }}));
  process.exit(0);
}})();
"""
    )
    return node.run(script)


class Server:
    def __init__(self, proc: subprocess.Popen[str], ports: list[int]) -> None:
        self.proc, self.ports = proc, ports
        self.port = ports[0] if ports else 0

    def alive(self) -> bool:
        return self.proc.poll() is None

    def serves(self, path: str = "/", headers: dict[str, str] | None = None) -> bool:
        if not self.alive():
            return False
        try:
            client = Raw(self.port, path, headers)
        except ConnectionError:
            return False
        with client:
            return client.status == 101

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.kill()
        _, err = self.proc.communicate(timeout=TIMEOUT)
        return err


class Node:
    def __init__(self, modules: Path, tmp: Path, env: dict[str, str]) -> None:
        self.modules, self.tmp, self.env = modules, tmp, env
        self.servers: list[Server] = []

    suffix = ".js"

    def _file(self, script: str) -> Path:
        path = self.tmp / f"block{len(list(self.tmp.glob('block*')))}{self.suffix}"
        path.write_text(script, encoding="utf-8")
        return path

    def _cmd(self, script: str) -> list[str]:
        return ["node", "--require", str(FIXTURES / "preload.js"), str(self._file(script))]

    def _env(self, extra: dict[str, str] | None) -> dict[str, str]:
        return os.environ | self.env | {"NODE_PATH": str(self.modules)} | (extra or {})

    def output(self, script: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            self._cmd(script), capture_output=True, text=True, timeout=30, env=self._env(env), check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def run(self, script: str, env: dict[str, str] | None = None) -> object:
        return json.loads(self.output(script, env).strip().splitlines()[-1])

    def start(self, script: str, env: dict[str, str] | None = None, listeners: int = 1) -> Server:
        proc = subprocess.Popen(
            self._cmd(script), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self._env(env)
        )
        ports = []
        while len(ports) < listeners:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                raise AssertionError(f"the block exited before listening:\n{proc.communicate()[1]}")
            if line.startswith("LISTENING "):
                ports.append(int(line.split()[2]))
        server = Server(proc, ports)
        self.servers.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()


class Python(Node):
    suffix = ".py"

    def _cmd(self, script: str) -> list[str]:
        return [sys.executable, str(FIXTURES / "preload.py"), str(self._file(script))]

    def _env(self, extra: dict[str, str] | None) -> dict[str, str]:
        return os.environ | self.env | {"PYTHONPATH": str(self.modules)} | (extra or {})


def encode(
    payload: bytes, opcode: int = 0x1, mask: bool | bytes = True, fin: bool = True, length: int | None = None
) -> bytes:
    """RFC 6455 section 5.2; `mask` is a 4-byte key, or True for a fixed one (a test may choose it)."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if mask else 0
    if n <= 125:
        head += bytes([bit | n])
    elif n <= 0xFFFF:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if mask:
        key = mask if isinstance(mask, bytes) else b"\x37\xfa\x21\x3d"
        head += key
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return head + payload


class Raw:
    def __init__(self, port: int, path: str = "/", headers: dict[str, str] | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        fields = {
            "Host": f"127.0.0.1:{port}",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        } | (headers or {})
        request = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
        self.sock.sendall(request.encode())
        self.buf = b""
        try:
            while b"\r\n\r\n" not in self.buf:
                chunk = self.sock.recv(4096)
                if not chunk:
                    break
                self.buf += chunk
        except ConnectionError:
            pass  # the server dropped us: status 0
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        status = re.match(rb"HTTP/1\.1 (\d{3})", head)
        self.status = int(status.group(1)) if status else 0
        self.response = head.decode("latin-1")

    def __enter__(self) -> Raw:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, payload: bytes | str, opcode: int = 0x1, **kwargs: object) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.sock.sendall(encode(data, opcode, **kwargs))  # type: ignore[arg-type]

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self) -> tuple[int, bytes]:
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(n)
            if b0 & 0x0F == 0x9:
                self.send(payload, 0xA)
                continue
            return b0 & 0x0F, payload

    def close_code(self) -> int | None:
        try:
            while True:
                opcode, payload = self.recv()
                if opcode == 0x8:
                    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        except (EOFError, ConnectionError):
            return None


class SocketIO:
    """Engine.IO v4 over WebSocket only, Socket.IO v5 packets (socket.io/docs/v4/socket-io-protocol)."""

    def __init__(self, port: int, namespace: str = "/", auth: dict[str, object] | None = None) -> None:
        self.raw = Raw(port, "/socket.io/?EIO=4&transport=websocket")
        assert self.raw.status == 101, self.raw.response
        assert self._packet().startswith("0{")  # Engine.IO open
        prefix = "" if namespace == "/" else f"{namespace},"
        self.prefix = prefix
        self.raw.send("40" + prefix + (json.dumps(auth) if auth else ""))
        self.connect = self._packet()  # 40{"sid":...} or 44{"message":...}

    def _packet(self) -> str:
        while True:
            opcode, payload = self.raw.recv()
            if opcode == 0x8:
                raise EOFError("closed")
            text = payload.decode()
            if text == "2":
                self.raw.send("3")
                continue
            return text

    def emit(self, event: str, *args: object, ack: int | None = None) -> None:
        self.raw.send("42" + self.prefix + ("" if ack is None else str(ack)) + json.dumps([event, *args]))

    def recv(self) -> list[object]:
        text = self._packet()
        match = re.match(r"4[23](?:/[^,]*,)?\d*(.*)", text, re.S)
        assert match, text
        return json.loads(match.group(1))

    def close(self) -> None:
        self.raw.sock.close()


# What `hostile` gets from a server that survives: it fails the unmasked frame (RFC 6455 5.1: 1002) and
# the oversized message (1009), and goes on after the malformed and short ones (or closes them with 1007).
SURVIVES: dict[str, object] = {
    "unmasked": 1002,
    "malformed json": "open",
    "short binary": "open",
    "over max_payload": 1009,
}


def hostile(
    port: int,
    path: str | Callable[[], str] = "/",
    headers: dict[str, str] | None = None,
    max_payload: int | None = None,
) -> dict[str, object]:
    """Each case a real server meets, on its own connection; the answer is the server's close code
    (None: it dropped the TCP connection without one), or "open" if it simply went on."""
    cases: dict[str, tuple[bytes, int, dict[str, object]]] = {
        "unmasked": (b"hello", 0x1, {"mask": False}),
        "malformed json": (b"{not json", 0x1, {}),
        "short binary": (b"\x01\x02\x03", 0x2, {}),
    }
    if max_payload is not None:
        cases["over max_payload"] = (b"x" * 16, 0x1, {"length": max_payload + 1})
    out: dict[str, object] = {}
    for name, (payload, opcode, kwargs) in cases.items():
        with Raw(port, path() if callable(path) else path, headers) as client:
            assert client.status == 101, client.response
            client.send(payload, opcode, **kwargs)  # type: ignore[arg-type]
            client.send(b"", 0x9)  # a ping: a pong back means the server went on
            try:
                opcode_back, body = client.recv()
                while opcode_back not in (0x8, 0xA):
                    opcode_back, body = client.recv()
                out[name] = "open" if opcode_back == 0xA else struct.unpack("!H", body[:2])[0]
            except (EOFError, ConnectionError, TimeoutError):
                out[name] = None
    return out
