"""The Beginner answers' code, run under node as readers would copy it (blocks.py), against what each
answer claims and against the hostile clients every real server meets."""

from __future__ import annotations

from tests.content.blocks import (
    SURVIVES,
    UNTIL,
    Node,
    Raw,
    SocketIO,
    block,
    close_during_backoff,
    hostile,
    wrap_timers,
)

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


def test_10_close_during_the_backoff_wait_never_reconnects(node: Node) -> None:
    out = close_during_backoff(node, "beginner-10", "connect", "block.connect(url, () => {})")
    assert out == {"retrying": 1, "opened": 1, "pending": 0}


def test_15_close_during_the_backoff_wait_never_reconnects(node: Node) -> None:
    out = close_during_backoff(node, "beginner-15", "connect", "block.connect(url, () => {})")
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
"""
        + UNTIL
        + """(async () => {
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
    assert hostile(server.port, max_payload=100 * 1024 * 1024) == SURVIVES
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


def test_14_a_peer_that_stops_answering_pings_is_terminated_and_one_that_answers_stays(node: Node) -> None:
    """The block's 30 s sweep under a hand-moved clock: a client that reads (and so pongs) survives
    two sweeps; one that never reads is terminated on the second."""
    script = (
        wrap_timers(block("beginner-14"), ["wss"])
        + """
const { WebSocket } = require('ws');
const { once } = require('node:events');
"""
        + UNTIL
        + """(async () => {
  await once(block.wss, 'listening');
  const url = `ws://127.0.0.1:${block.wss.address().port}`;
  const live = new WebSocket(url);          // ws answers pings automatically
  const mute = new WebSocket(url, { autoPong: false });
  await Promise.all([once(live, 'open'), once(mute, 'open')]);
  await until(() => block.wss.clients.size === 2);
  let pongs = 0;
  for (const ws of block.wss.clients) ws.on('pong', () => pongs++);
  await clock.advance(30000);               // first sweep: both pinged
  await until(() => pongs === 1);
  await clock.advance(30000);               // second sweep: the mute one never answered
  const [code] = await once(mute, 'close');
  await until(() => block.wss.clients.size === 1);
  console.log(JSON.stringify({ mute: code, live: live.readyState, clients: block.wss.clients.size }));
  process.exit(0);
})();
"""
    )
    assert node.run(script) == {"mute": 1006, "live": 1, "clients": 1}


def test_14_the_ping_server_survives_every_hostile_client(node: Node) -> None:
    server = node.start(block("beginner-14"))
    assert hostile(server.port, max_payload=100 * 1024 * 1024) == SURVIVES
    assert server.serves()


def test_18_shutdown_sends_1001_with_its_reason_and_the_browser_call_is_a_legal_one(node: Node) -> None:
    """The browser line runs against a stub that applies the WHATWG close() checks; `shutdown` runs
    against a real ws server and clients."""
    stub = """
const calls = [];
const ws = {
  close(code, reason = '') { // WHATWG close(): InvalidAccessError / SyntaxError rules
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) throw new Error('InvalidAccessError');
    if (Buffer.byteLength(reason) > 123) throw new Error('SyntaxError');
    calls.push([code, reason]);
  },
  addEventListener() {},
};
"""
    script = (
        stub
        + block("beginner-18")
        + """
const { WebSocketServer, WebSocket } = require('ws');
const { once } = require('node:events');
(async () => {
  const wss = new WebSocketServer({ port: 0 });
  await once(wss, 'listening');
  const clients = [0, 1].map(() => new WebSocket(`ws://127.0.0.1:${wss.address().port}`));
  await Promise.all(clients.map((c) => once(c, 'open')));
  while (wss.clients.size < 2) await new Promise((r) => setImmediate(r));
  shutdown(wss);
  const closes = await Promise.all(clients.map((c) => once(c, 'close')));
  console.log(JSON.stringify({ calls, closes: closes.map(([code, reason]) => [code, reason.toString()]) }));
  process.exit(0);
})();
"""
    )
    assert node.run(script) == {
        "calls": [[4001, "token expired"]],
        "closes": [[1001, "server restarting"], [1001, "server restarting"]],
    }


def test_16_the_client_starts_on_polling_and_upgrades_to_websocket(node: Node) -> None:
    """The block's client against a real Socket.IO server; only its URL is pointed at the test server."""
    script = (
        """
const { Server } = require('socket.io');
const { io: realIo } = require('socket.io-client');
const server = new Server(0);
const port = server.httpServer.address().port;
const logs = [];
console.log = (...args) => logs.push(args.join(' '));
const load = (name) => (name === 'socket.io-client' ? { io: (url, opts) => realIo(`http://127.0.0.1:${port}`, opts) } : require(name));
((require) => {
"""
        + block("beginner-16")
        + """
  engine.on('upgrade', () => setImmediate(() => {
    process.stdout.write(JSON.stringify(logs) + '\\n');
    process.exit(0);
  }));
})(load);
"""
    )
    assert node.run(script) == ["transport: polling", "upgraded to websocket"]


def test_11_the_event_handlers_see_text_binary_and_an_abnormal_close_as_described(node: Node) -> None:
    script = (
        """
const { WebSocketServer, WebSocket: NodeWebSocket } = require('ws');
const wss = new WebSocketServer({ port: 0 });
wss.on('connection', (ws) => {
  ws.on('message', () => { ws.send('hi'); ws.send(Buffer.from([1, 2, 3]), () => ws.terminate()); }); // no Close frame
});
const logs = [];
console.log = (...args) => logs.push(args);
console.warn = (...args) => logs.push(args);
globalThis.WebSocket = class extends NodeWebSocket {
  constructor() { super(`ws://127.0.0.1:${wss.address().port}`); } // the block's URL, served here
};
wss.on('listening', () => {
"""
        + block("beginner-11")
        + """
  ws.addEventListener('close', () => { process.stdout.write(JSON.stringify(logs) + '\\n'); process.exit(0); });
});
"""
    )
    assert node.run(script) == [["text", "hi"], ["binary bytes", 3], [1006, "", False]]


def test_13_the_browser_sender_queues_until_open_in_order_and_refuses_once_closed(node: Node) -> None:
    script = (
        block("beginner-13", 0)
        + """
const { WebSocketServer, WebSocket: NodeWebSocket } = require('ws');
const { once } = require('node:events');
const made = []; // ws has the browser's readyState constants and addEventListener
globalThis.WebSocket = class extends NodeWebSocket { constructor(...args) { super(...args); made.push(this); } };
(async () => {
  const wss = new WebSocketServer({ port: 0 });
  await once(wss, 'listening');
  const got = [];
  wss.on('connection', (ws) => ws.on('message', (m) => got.push(JSON.parse(m))));
  const send = createSender(`ws://127.0.0.1:${wss.address().port}`);
  send('a', 1); send('b', 2);                        // still CONNECTING: queued
  while (got.length < 2) await new Promise((r) => setTimeout(r, 2));
  for (const ws of wss.clients) ws.close(1000);
  await once(made[0], 'close');
  let closed;
  try { send('c', 3); } catch (err) { closed = err.message; }
  console.log(JSON.stringify({ order: got.map((m) => [m.type, m.payload]), ids: new Set(got.map((m) => m.id)).size, closed }));
  process.exit(0);
})();
"""
    )
    assert node.run(script) == {"order": [["a", 1], ["b", 2]], "ids": 2, "closed": "socket closed"}
