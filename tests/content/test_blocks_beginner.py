"""The Beginner answers' code, run under node as readers would copy it (blocks.py), against what each
answer claims and against the hostile clients every real server meets."""

from __future__ import annotations

from tests.content.blocks import Node, Raw, SocketIO, block, hostile, wrap_timers

SOCKET_IO = "/socket.io/?EIO=4&transport=websocket"


def test_06_join_without_an_ack_and_chat_without_a_payload_do_not_kill_the_server(node: Node) -> None:
    server = node.start(block("beginner-06"))
    careless = SocketIO(server.port)
    careless.emit("join", "lobby")  # no ack callback
    careless.emit("chat")  # no payload to destructure
    careless.emit("join", {"not": "a room"}, ack=1)
    member, outsider = SocketIO(server.port), SocketIO(server.port)
    member.emit("join", "lobby", ack=2)
    assert member.recv() == [{"ok": True}]
    outsider.emit("chat", {"room": "lobby", "text": "let me in"})  # not a member: dropped
    member.emit("chat", {"room": "lobby", "text": "hi"})
    event, payload = member.recv()
    assert event == "chat" and payload["text"] == "hi"  # type: ignore[index]
    assert server.alive()
    assert server.serves(SOCKET_IO)


RECONNECT_RIG = """
const { WebSocketServer, WebSocket: NodeWebSocket } = require('ws');
const { once } = require('node:events');
const made = []; // ws has the browser's onopen/onmessage/onclose API; keep the sockets the block creates
globalThis.WebSocket = class extends NodeWebSocket { constructor(...args) { super(...args); made.push(this); } };
const until = async (cond) => { for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2)); };
const wss = new WebSocketServer({ port: 0, handleProtocols: (p) => [...p][0] ?? false });
const accepted = [];
wss.on('connection', (ws) => { accepted.push(ws); ws.on('error', () => {}); });
"""


def close_during_backoff(node: Node, qid: str, start: str) -> object:
    """Drop the link, let the block schedule its retry, close from the app, run the clock for minutes."""
    script = (
        wrap_timers(block(qid), ["connect"])
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


def test_10_close_during_the_backoff_wait_never_reconnects(node: Node) -> None:
    out = close_during_backoff(node, "beginner-10", "block.connect(url, () => {})")
    assert out == {"retrying": 1, "opened": 1, "pending": 0}


def test_15_close_during_the_backoff_wait_never_reconnects(node: Node) -> None:
    out = close_during_backoff(node, "beginner-15", "block.connect(url, () => {})")
    assert out == {"retrying": 1, "opened": 1, "pending": 0}


def test_08_long_poll_follows_its_cursor_survives_bad_answers_and_stops_during_backoff(node: Node) -> None:
    """A server that answers events, then malformed JSON, then 204, then 500: the client keeps its
    cursor, backs off on errors, and an abort during the backoff wait sends no further request."""
    script = (
        wrap_timers(block("beginner-08"), ["longPoll"])
        + """
const http = require('node:http');
const { once } = require('node:events');
const seen = [];
const answers = [[200, '{"events":[1],"next":"c1"}'], [200, '{bad'], [204, ''], [500, 'oops']];
const server = http.createServer((req, res) => {
  seen.push(new URL(req.url, 'http://x').searchParams.get('after'));
  const [status, body] = answers[Math.min(seen.length - 1, answers.length - 1)];
  res.writeHead(status).end(body);
}).listen(0);
const until = async (cond) => { for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2)); };
(async () => {
  await once(server, 'listening');
  const events = [];
  const stop = new AbortController();
  const done = block.longPoll(`http://127.0.0.1:${server.address().port}/poll`, (e) => events.push(e), stop.signal);
  await until(() => seen.length === 2 && clock.pending() === 1); // bad JSON: backing off
  await clock.advance(1000);
  await until(() => seen.length === 4 && clock.pending() === 1); // 204 then 500: backing off again
  stop.abort();
  await clock.advance(300000);
  await done;
  console.log(JSON.stringify({ seen, events, pending: clock.pending() }));
  process.exit(0);
})();
"""
    )
    assert node.run(script) == {"seen": ["", "c1", "c1", "c1"], "events": [[1]], "pending": 0}


def test_13_the_server_sends_text_binary_and_a_broadcast_and_survives_every_hostile_client(
    node: Node,
) -> None:
    server = node.start(block("beginner-13", 1))
    with Raw(server.port) as client:
        assert client.recv() == (0x1, b'{"type":"welcome"}')
        assert client.recv() == (0x2, b"\x01\x02\x03")
        assert client.recv() == (0x1, b"joined")
    assert hostile(server.port, max_payload=100 * 1024 * 1024) == {
        "unmasked": 1002,
        "malformed json": "open",
        "short binary": "open",
        "over max_payload": 1009,
    }
    assert server.serves()


def test_17_a_message_without_an_ack_or_a_payload_does_not_kill_the_chat_server(node: Node) -> None:
    fixture = """
const verifyToken = async (token) => {
  if (token === 'boom') throw new Error('auth service down');
  return token === 'alice' || token === 'bob' ? { id: token } : null;
};
const roomsOf = async () => ['general'];
let seq = 0;
const saveMessage = async (m) => ({ ...m, id: `m${++seq}`, seq });
"""
    server = node.start(fixture + block("beginner-17"))
    stranger = SocketIO(server.port, auth={"token": "mallory"})
    assert stranger.connect.startswith("44")  # CONNECT_ERROR: the middleware refused it
    assert SocketIO(server.port, auth={"token": "boom"}).connect.startswith("44")  # its auth service failed
    alice, bob = SocketIO(server.port, auth={"token": "alice"}), SocketIO(server.port, auth={"token": "bob"})
    alice.emit("message", {"roomId": "general", "clientId": "c1", "text": "hi"})  # no ack
    alice.emit("message", ack=1)  # no payload
    alice.emit("message", {"roomId": "secret", "text": "x"}, ack=2)
    assert alice.recv() == [{"ok": False, "error": "forbidden"}]
    alice.emit("message", {"roomId": "general", "clientId": "c2", "text": "hello"}, ack=3)
    event, msg = bob.recv()
    assert event == "message" and msg["text"] == "hello" and msg["from"] == "alice"  # type: ignore[index]
    assert server.alive() and server.serves(SOCKET_IO)
