"""The Intermediate answers' code, run under node as readers would copy it (blocks.py), against
what each answer claims and against the hostile clients every real server meets."""

from __future__ import annotations

import json
import socket
import struct
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from tests.content.blocks import (
    RECONNECT_RIG,
    SURVIVES,
    UNTIL,
    Node,
    Python,
    Raw,
    SocketIO,
    block,
    close_during_backoff,
    hostile,
    wrap_timers,
)

ORIGIN = {"Origin": "https://app.example.com"}


def test_01_echo_server_survives_every_hostile_client_and_refuses_a_foreign_origin(node: Node) -> None:
    server = node.start(block("intermediate-01"))
    with Raw(server.port, "/", {"Origin": "https://evil.example"}) as foreign:
        assert foreign.status == 403
    answers = hostile(server.port, "/", ORIGIN, max_payload=1024 * 1024)
    assert answers == SURVIVES
    with Raw(server.port, "/", ORIGIN) as client:
        client.send("hi")
        assert client.recv() == (0x1, b"HI")
    assert server.serves("/", ORIGIN)


def test_02_room_join_without_an_ack_callback_does_not_kill_the_server(node: Node) -> None:
    server = node.start(block("intermediate-02"))
    careless = SocketIO(server.port)
    careless.emit("room:join", "lobby")  # no ack id: the handler's `ack` is undefined
    other = SocketIO(server.port)
    other.emit("room:join", "lobby", ack=1)
    assert other.recv() == [{"ok": True}]
    third = SocketIO(server.port)
    third.emit("room:join", "lobby", ack=2)
    assert third.recv() == [{"ok": True}]  # the sender is excluded from its own room:joined
    assert other.recv()[0] == "room:joined"
    assert server.alive()
    assert server.serves("/socket.io/?EIO=4&transport=websocket")


def test_03_close_during_the_backoff_wait_never_reconnects(node: Node) -> None:
    start = "block.createConnection(url, { onMessage() {}, lastSeq: () => 0 })"
    assert close_during_backoff(node, "intermediate-03", "createConnection", start) == {
        "retrying": 1,
        "opened": 1,
        "pending": 0,
    }


def test_03_a_silent_link_is_dropped_after_two_heartbeats_and_replaced(node: Node) -> None:
    script = (
        wrap_timers(block("intermediate-03"), ["createConnection"])
        + RECONNECT_RIG
        + """
(async () => {
  await once(wss, 'listening');
  const got = [];
  block.createConnection(`ws://127.0.0.1:${wss.address().port}`, { onMessage: (m) => got.push(m), lastSeq: () => 7 });
  await until(() => accepted.length === 1);
  const [resume] = await once(accepted[0], 'message');
  accepted[0].send(JSON.stringify({ type: 'heartbeat' }));
  accepted[0].send(JSON.stringify({ type: 'chat', text: 'hi' }));
  await until(() => got.length === 1);
  await clock.advance(49000);               // under 2 heartbeats of silence: still the first link
  const before = accepted.length;
  await clock.advance(2000);                // past 50 s: given up, retry within the backoff
  await until(() => accepted.length === 2);
  console.log(JSON.stringify({ resume: JSON.parse(resume), got, before, after: accepted.length }));
  process.exit(0);
})();
"""
    )
    assert node.run(script) == {
        "resume": {"type": "resume", "after": 7},
        "got": [{"type": "chat", "text": "hi"}],
        "before": 1,
        "after": 2,
    }


def test_07_two_nodes_relay_through_real_redis_and_survive_every_hostile_client(redis_node: Node) -> None:
    code = block("intermediate-07")
    node1, node2 = redis_node.start(code), redis_node.start(code)
    with Raw(node2.port) as bob, Raw(node1.port) as alice:
        bob.send(json.dumps({"room": "r", "text": "bob here"}))
        assert json.loads(bob.recv()[1]) == {
            "room": "r",
            "text": "bob here",
        }  # subscribed once it hears itself
        alice.send(json.dumps({"room": "r", "text": "hi"}))
        assert json.loads(bob.recv()[1]) == {"room": "r", "text": "hi"}  # node 1 -> Redis -> node 2
    answers = hostile(node1.port, max_payload=64 * 1024)
    assert answers == SURVIVES | {"malformed json": 1007, "short binary": 1007}
    assert node1.serves() and node2.serves()


def test_08_presence_announces_each_transition_once_and_the_sweeper_settles_a_crashed_node(
    redis_node: Node,
) -> None:
    """Two tabs, a quick reconnect, two tabs closing together, and a node that dies without `close`:
    the announcements (through real Redis) are exactly one online and one offline per user."""
    code = wrap_timers(block("intermediate-08"), ["touch", "release", "announce"])
    script = (
        code
        + """
const Redis = require('ioredis');
const listener = new Redis();
const heard = [];
listener.on('message', (_, m) => heard.push(JSON.parse(m)));
"""
        + UNTIL
        + """const u = (name) => `${name}-${process.pid}`;
(async () => {
  await listener.subscribe('presence');
  await block.touch(u('tabs'), 'a'); await block.touch(u('tabs'), 'b');    // two tabs: one online
  await block.touch(u('blip'), 'c'); await block.release(u('blip'), 'c');
  await clock.advance(5000, { settle: true }); await block.touch(u('blip'), 'd'); // back within the grace period
  await block.release(u('tabs'), 'a'); await block.release(u('tabs'), 'b'); // both tabs close together
  await block.touch(u('crash'), 'e');                                        // its node dies: no release
  await clock.advance(15000, { settle: true });                              // grace over: tabs offline
  await block.touch(u('blip'), 'd');                                         // blip's heartbeat
  await clock.advance(45000, { settle: true });                              // crash's lease lapses; sweeper
  await block.touch(u('blip'), 'd');
  await block.announce('end', 'end');
  await until(() => heard.some((m) => m.userId === 'end'));
  const by = (name) => heard.filter((m) => m.userId === u(name)).map((m) => m.status);
  console.log(JSON.stringify({ tabs: by('tabs'), blip: by('blip'), crash: by('crash') }));
  process.exit(0);
})();
"""
    )
    assert redis_node.run(script) == {
        "tabs": ["online", "offline"],
        "blip": ["online"],
        "crash": ["online", "offline"],
    }


BROWSER_STUB = "class WebSocket { constructor(url) { this.url = url; this.sent = []; } send(d) { this.sent.push(d); } }\n"


def test_10_the_decoder_wired_as_its_comment_says_survives_short_and_malformed_messages(node: Node) -> None:
    server = (
        BROWSER_STUB
        + block("intermediate-10")
        + """
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ port: 8080 });
wss.on('connection', (ws) => {
  ws.on('error', console.error);
  const handle = (m) => ws.send(JSON.stringify(m));
  ws.on('message', (d, bin) => { const m = decode(d, bin); if (m) handle(m); else ws.close(1007); });
});
"""
    )
    running = node.start(server)
    answers = hostile(running.port, max_payload=100 * 1024 * 1024)
    assert answers == SURVIVES | {"malformed json": 1007, "short binary": 1007}
    with Raw(running.port) as client:
        client.send(bytes([1, 2, 0, 0, 0, 7]) + struct.pack(">ff", 1.5, -2.25), 0x2)
        assert json.loads(client.recv()[1]) == {"version": 1, "type": 2, "seq": 7, "samples": [1.5, -2.25]}
        client.send(bytes([1, 2, 0, 0, 0, 7, 0]), 0x2)  # a sample cut short
        assert client.close_code() == 1007
    assert running.serves()


def test_13_one_lost_event_is_asked_for_once_and_a_gap_followed_by_silence_is_repaired(node: Node) -> None:
    rig = "const applied = []; const replays = [];\nfunction apply(d) { applied.push(d); }\nfunction requestReplay(s) { replays.push(s); }\n"
    script = (
        rig
        + wrap_timers(block("intermediate-13"), ["onEvent"])
        + """
(async () => {
  for (const seq of [3, 1, 2, 3, 5, 4, 5, 1]) block.onEvent({ seq, data: seq }); // reordered, duplicated
  await clock.advance(10000);
  const reordered = { applied: [...applied], replays: [...replays] };
  for (let seq = 7; seq <= 200; seq++) block.onEvent({ seq, data: seq });     // 6 is lost, 194 follow
  await clock.advance(1000);
  const oneLoss = [...replays];
  block.onEvent({ seq: 6, data: 6 });                                          // the replay arrives
  await clock.advance(60000);
  const repaired = { last: applied[applied.length - 1], count: applied.length, replays: [...replays] };
  block.onEvent({ seq: 202, data: 202 });                                      // 201 lost, then silence
  await clock.advance(1000);
  const silent = replays.slice(repaired.replays.length);
  await clock.advance(5000);                                                   // that replay was lost too
  console.log(JSON.stringify({ reordered, oneLoss, repaired, silent, again: replays.slice(repaired.replays.length) }));
})();
"""
    )
    assert node.run(script) == {
        "reordered": {"applied": [1, 2, 3, 4, 5], "replays": []},
        "oneLoss": [6],
        "repaired": {"last": 200, "count": 200, "replays": [6]},
        "silent": [201],
        "again": [201, 201],
    }


def poll(check: Callable[[], object], tries: int = 500) -> object:
    """What `check` returns once it is truthy: the server's close handling runs after the TCP close."""
    for _ in range(tries):
        value = check()
        if value:
            return value
        time.sleep(0.01)
    return check()


def test_19_the_connections_gauge_follows_closes_and_a_bad_frame_is_counted_not_fatal(node: Node) -> None:
    rig = """
const http = require('node:http');
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ port: 8080 });
const seen = { gauge: {}, counters: {} };
const metrics = {
  gauge: (name, value) => { seen.gauge[name] = value; },
  increment: (name, labels) => { const k = `${name}${JSON.stringify(labels)}`; seen.counters[k] = (seen.counters[k] ?? 0) + 1; },
};
const logger = { info() {} };
http.createServer((req, res) => res.end(JSON.stringify(seen))).listen(9090);
"""
    server = node.start(rig + block("intermediate-19"), listeners=2)
    ws_port, metrics_port = server.ports

    def seen() -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/") as response:
            return json.loads(response.read())

    gauge = lambda: seen()["gauge"].get("ws_open_connections")  # noqa: E731
    with Raw(ws_port) as first, Raw(ws_port) as second:
        assert first.status == second.status == 101
        assert poll(lambda: gauge() == 2)
        second.send(b"\x03\xe8", 0x8)  # a clean close, 1000
        assert second.close_code() == 1000
        second.sock.close()  # the server's 'close' fires once TCP closes (RFC 6455 7.1.1)
        assert poll(lambda: gauge() == 1)
    assert hostile(ws_port)["unmasked"] == 1002
    assert poll(lambda: seen()["counters"].get('ws_errors_total{"code":"WS_ERR_EXPECTED_MASK"}'))
    assert poll(lambda: gauge() == 0)
    assert server.serves()


def test_05_foreign_origin_is_403_a_bad_or_reused_ticket_401_and_a_ticket_opens_one_socket(
    node: Node,
) -> None:
    mint = """
let minted = 0;
require('node:http').createServer((req, res) => {
  const ticket = `t${++minted}`;
  tickets.set(ticket, { userId: 'u1', expires: Date.now() + (req.url === '/expired' ? -1 : 30000) });
  res.end(ticket);
}).listen(9090);
"""
    server = node.start(block("intermediate-05") + mint, listeners=2)
    port, minter = server.ports

    def ticket(kind: str = "") -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{minter}/{kind}") as response:
            return f"/ws?ticket={response.read().decode()}"

    fresh = ticket()
    with Raw(port, fresh, {"Origin": "https://evil.example"}) as foreign:
        assert foreign.status == 403  # Origin is checked first: the ticket is not spent
    with Raw(port, fresh, ORIGIN) as first, Raw(port, fresh, ORIGIN) as replayed:
        assert (first.status, replayed.status) == (101, 401)
    for path in ("/ws", "/ws?ticket=nope", ticket("expired")):
        with Raw(port, path, ORIGIN) as client:
            assert client.status == 401, path
    assert hostile(port, ticket, ORIGIN, max_payload=100 * 1024 * 1024) == SURVIVES
    assert server.serves(ticket(), ORIGIN)


def subscribers(port: int, channel: str) -> int:
    """PUBSUB NUMSUB over RESP by hand: the nodes subscribe at start-up, asynchronously."""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(f"*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n${len(channel)}\r\n{channel}\r\n".encode())
        return int(conn.recv(4096).split(b"\r\n")[-2].lstrip(b":"))


def test_11_a_broadcast_reaches_clients_on_every_node_and_a_bad_client_hurts_no_one(redis_node: Node) -> None:
    code = block("intermediate-11")
    node1, node2 = redis_node.start(code), redis_node.start(code)
    assert poll(lambda: subscribers(int(redis_node.env["REDIS_PORT"]), "chat") == 2)
    with Raw(node1.port) as alice, Raw(node2.port) as bob:
        alice.send("hello all")
        assert bob.recv() == (0x1, b"hello all")
        assert alice.recv() == (0x1, b"hello all")  # the sender's own node fans out to it too
    assert hostile(node1.port, max_payload=100 * 1024 * 1024) == SURVIVES
    assert node1.serves() and node2.serves()


def test_12_foreign_origin_403_no_session_401_and_a_bad_frame_does_not_crash(node: Node) -> None:
    fixture = "const authenticate = (req) => (req.headers.cookie === 'session=ok' ? { id: 1 } : null);\n"
    server = node.start(fixture + block("intermediate-12"))
    session = ORIGIN | {"Cookie": "session=ok"}
    with Raw(server.port, "/", {"Origin": "https://evil.example", "Cookie": "session=ok"}) as foreign:
        assert foreign.status == 403
    with Raw(server.port, "/", ORIGIN) as anonymous:
        assert anonymous.status == 401
    assert hostile(server.port, "/", session, max_payload=64 * 1024) == SURVIVES
    assert server.serves("/", session)


def test_17_frames_batched_or_split_across_messages_are_parsed_and_a_silent_broker_is_dropped(
    node: Node,
) -> None:
    """A broker that sends CONNECTED and a MESSAGE in one WebSocket message, then a MESSAGE split in
    two and a heart-beat EOL, then falls silent: the client gets both frames whole and closes once
    twice the agreed heart-beat interval passes."""
    broker = (
        """
const { WebSocketServer, WebSocket: NodeWebSocket } = require('ws');
const { once } = require('node:events');
const wss = new WebSocketServer({ port: 0, handleProtocols: (p) => (p.has('v12.stomp') ? 'v12.stomp' : false) });
const got = [];
const frames = [];
console.log = (frame) => frames.push(frame);
"""
        + UNTIL
        + """const msg = (body) => `MESSAGE\\nsubscription:sub-0\\nmessage-id:${body}\\ndestination:/topic/prices\\n\\n${body}\\0`;
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    got.push(data.toString());
    if (data.toString().startsWith('CONNECT')) ws.send('CONNECTED\\nversion:1.2\\nheart-beat:5000,0\\n\\n\\0' + msg('one'));
    if (data.toString().startsWith('SUBSCRIBE')) { const two = msg('two'); ws.send(two.slice(0, 20)); ws.send(two.slice(20) + '\\n'); }
  });
});
"""
    )
    script = (
        broker
        + """
let client;
globalThis.WebSocket = class extends NodeWebSocket {
  constructor(url, protocols) { super(`ws://127.0.0.1:${wss.address().port}`, protocols); client = this; }
};
(async () => {
  await once(wss, 'listening');
"""
        + wrap_timers(block("intermediate-17"), ["ws"]).replace("\n", "\n  ")
        + """
  await until(() => frames.length === 2);
  await clock.advance(19000);                   // under 2 x max(5000, 10000): still open
  const openBefore = client.readyState === NodeWebSocket.OPEN;
  await clock.advance(2000);
  const [code] = await once(client, 'close');
  const bodies = frames.map((f) => f.split('\\n\\n')[1]);
  process.stdout.write(JSON.stringify({ protocol: client.protocol, sent: got.map((g) => g.split('\\n')[0]), bodies, openBefore, code }) + '\\n');
  process.exit(0);
})();
"""
    )
    assert node.run(script) == {
        "protocol": "v12.stomp",
        "sent": ["CONNECT", "SUBSCRIBE"],
        "bodies": ["one", "two"],
        "openBefore": True,
        "code": 4000,
    }


def test_09_the_server_picks_its_preferred_offered_subprotocol_refuses_none_and_survives(node: Node) -> None:
    server = node.start(block("intermediate-09", 0))
    v2 = {"Sec-WebSocket-Protocol": "v1.chat.example.com, v2.chat.example.com"}
    with Raw(server.port, "/", v2) as client:
        assert client.status == 101 and "Sec-WebSocket-Protocol: v2.chat.example.com" in client.response
    for offered in ({}, {"Sec-WebSocket-Protocol": "v9.chat.example.com"}):
        with Raw(server.port, "/", offered) as client:
            assert client.status == 101 and "Sec-WebSocket-Protocol" not in client.response
            assert client.close_code() == 1008
    assert hostile(server.port, "/", v2, max_payload=100 * 1024 * 1024) == SURVIVES
    assert server.serves("/", v2)


def test_14_try_send_refuses_once_a_paused_reader_backs_the_buffer_up_and_send_all_rejects_on_close(
    node: Node,
) -> None:
    script = (
        block("intermediate-14")
        + """
const { WebSocketServer, WebSocket } = require('ws');
const { once } = require('node:events');
(async () => {
  const wss = new WebSocketServer({ port: 0 });
  await once(wss, 'listening');
  const reader = new WebSocket(`ws://127.0.0.1:${wss.address().port}`);
  const [[ws]] = await Promise.all([once(wss, 'connection'), once(reader, 'open')]);
  reader.pause();                                   // a consumer that stops reading
  const chunk = Buffer.alloc(64 * 1024);
  let accepted = 0;
  while (accepted < 2000 && trySend(ws, chunk)) accepted++;
  const refusedAt = ws.bufferedAmount;
  reader.resume();
  await sendAll(ws, [chunk, chunk]);                // resolves once written
  const failing = sendAll(ws, Array(100).fill(chunk));
  ws.terminate();
  const outcome = await failing.then(() => 'resolved', (err) => 'rejected');
  console.log(JSON.stringify({ stopped: accepted < 2000, over: refusedAt > HIGH_WATER, outcome }));
  process.exit(0);
})();
"""
    )
    assert node.run(script) == {"stopped": True, "over": True, "outcome": "rejected"}


def test_15_the_node_test_example_passes_as_written(node: Node) -> None:
    out = node.output(block("intermediate-15"))
    assert "# pass 1" in out and "# fail 0" in out, out


def test_18_the_python_server_counts_bytes_not_characters_and_closes_1009_over_max_size(
    python: Python,
) -> None:
    server = python.start(block("intermediate-18", 0, ("python",)))
    with Raw(server.port) as client:
        client.send("é" * 100)  # 100 characters, 200 bytes of UTF-8
        assert client.recv() == (0x1, b"received 200 bytes")
        client.send(b"\x00" * 10, 0x2)
        assert client.recv() == (0x1, b"received 10 bytes")
    assert hostile(server.port, max_payload=64 * 1024) == SURVIVES
    assert server.serves()
