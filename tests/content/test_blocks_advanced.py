"""The Advanced answers' code, run under node as readers would copy it (blocks.py), against what each
answer claims and against the hostile clients every real server meets."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Any

from tests.content.blocks import SURVIVES, Node, Raw, block, hostile, wrap_timers


def _redis_url(node: Node) -> Node:
    node.env["REDIS_URL"] = f"redis://127.0.0.1:{node.env['REDIS_PORT']}"
    return node


def _hears(client: Raw, text: str) -> None:
    """Send until the client hears its own message back: its node's SUBSCRIBE has landed."""
    client.send(text)
    assert client.recv() == (0x1, text.encode())


def test_01_two_nodes_fan_out_through_redis_and_survive_every_hostile_client(redis_node: Node) -> None:
    node = _redis_url(redis_node)
    code = block("advanced-01")
    node1, node2 = node.start(code), node.start(code)
    with Raw(node2.port, "/?room=r") as bob:
        _hears(bob, "bob here")
        with Raw(node1.port, "/?room=r") as alice:
            _hears(alice, "alice here")
            assert bob.recv() == (0x1, b"alice here")  # node 1 -> Redis -> node 2
    answers = hostile(node1.port, "/?room=r", max_payload=64 * 1024)
    assert answers == SURVIVES
    assert node1.serves("/?room=r") and node2.serves("/?room=r")


def test_07_bytes_and_messages_are_charged_handshake_rate_is_limited_and_bad_frames_do_not_crash(
    node: Node,
) -> None:
    server = node.start(block("advanced-07"))
    with Raw(server.port) as flood:  # a burst of small messages: 40 pass, 50 strikes, then closed
        for _ in range(100):  # 40 + 51 closes it; the slack covers a slow machine
            flood.send("x")
        assert flood.close_code() == 1008
    with Raw(server.port) as heavy:  # few messages but large ones: bytes are charged too
        for _ in range(4 + 51 + 5):
            heavy.send(b"x" * 60 * 1024, 0x2)
        assert heavy.close_code() == 1008
    answers = hostile(server.port, max_payload=64 * 1024)
    assert answers == SURVIVES
    assert server.serves()
    statuses = []
    for _ in range(30):  # each closed at once: never 20 open, so a 429 here is the handshake *rate*
        with Raw(server.port) as client:
            statuses.append(client.status)
    assert 429 in statuses and statuses[0] == 101
    assert server.alive()


BROADCAST_ON_MESSAGE = """
wss.on('connection', (ws) => ws.on('message', (m) => broadcast(wss.clients, { m: String(m) })));
"""


def test_08_broadcast_serializes_once_for_everyone_and_bad_frames_do_not_crash(node: Node) -> None:
    server = node.start(block("advanced-08") + BROADCAST_ON_MESSAGE)
    with Raw(server.port) as alice, Raw(server.port) as bob:
        alice.send("hi")
        assert json.loads(bob.recv()[1]) == {"m": "hi"} == json.loads(alice.recv()[1])
    answers = hostile(server.port, max_payload=64 * 1024)
    assert answers == SURVIVES
    assert server.serves()


def test_05_survives_bad_frames_then_drains_with_1012_on_sigterm_and_exits(node: Node) -> None:
    server = node.start(block("advanced-05"))
    answers = hostile(server.port)
    assert answers == {k: v for k, v in SURVIVES.items() if k != "over max_payload"}
    with Raw(server.port) as client:
        assert client.status == 101
        server.proc.send_signal(signal.SIGTERM)
        assert client.close_code() == 1012  # "restarting": the client reconnects elsewhere
    assert server.proc.wait(timeout=10) == 0  # exits by itself, inside the grace period


ORDERING_RIG = """
(async () => {
  const ids = [];
  for (let i = 0; i < 2500; i++) ids.push(await append('r', { n: i })); // two full pages and a half
  const streams = new Map(), live = new Map();
  tail(streams, live);
  const got = [];
  let done;
  const all = new Promise((r) => { done = r; });
  const ws = new (require('events').EventEmitter)();
  ws.send = (text) => { got.push(JSON.parse(text)); if (got.length === 2490 + 50) done(); };
  const joining = join(ws, 'r', ids[9], streams, live); // last seen: the 10th entry
  for (let i = 2500; i < 2550; i++) ids.push(await append('r', { n: i })); // written during the replay
  await joining;
  await all;
  const order = got.every((m, i) => i === 0 || newer(m.id, got[i - 1].id));
  const listening = live.get(key('r')).size;
  ws.emit('close');
  const after = live.get(key('r')).size;
  console.log(JSON.stringify({ n: got.map((m) => m.n), order, listeners: [listening, after] }));
  process.exit(0);
})();
"""


def test_09_replay_pages_to_the_end_and_hands_over_to_live_with_no_gap_or_duplicate(redis_node: Node) -> None:
    node = _redis_url(redis_node)
    result = node.run(block("advanced-09") + ORDERING_RIG)
    assert result == {"n": list(range(10, 2550)), "order": True, "listeners": [1, 0]}  # none left after close


E2EE_RIG = """
(async () => {
  const gen = () => subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
  const [a, b] = [await gen(), await gen()];
  const raw = (k) => subtle.exportKey('raw', k.publicKey);
  const alice = await sessionKeys('alice', 'bob', a.privateKey, await raw(b), 'room:1');
  const bob = await sessionKeys('bob', 'alice', b.privateKey, await raw(a), 'room:1');
  const wire = [];
  await sendEncrypted({ send: (s) => wire.push(JSON.parse(s)) }, alice.send, { from: 'alice', seq: 1 }, 'hello');
  const outcome = (p) => p.then((text) => text, (err) => `rejected: ${err.name}`);
  console.log(JSON.stringify({
    bob: await outcome(openEncrypted(bob.recv, 'alice', wire[0])),
    reflected: await outcome(openEncrypted(alice.recv, 'bob', { ...wire[0], header: { ...wire[0].header, from: 'bob' } })),
    relabelled: await outcome(openEncrypted(alice.recv, 'bob', wire[0])),
  }));
})();
"""


def test_03_the_relay_cannot_reflect_alices_ciphertext_back_to_her(node: Node) -> None:
    """The relay echoes Alice's message to Alice, once as it is and once relabelled as Bob's."""
    result = node.run(block("advanced-03") + E2EE_RIG)
    assert result == {
        "bob": "hello",
        "reflected": "rejected: OperationError",  # her receive key is the bob->alice one
        "relabelled": "rejected: Error",
    }


def test_04_a_room_restarted_by_its_supervisor_resumes_its_sequence_from_the_log() -> None:
    """A crash mid-room, a restart from the initial state: clients dedupe by seq, so seq must not go back."""
    scope: dict[str, Any] = {}
    exec(compile(block("advanced-04", langs=("python",)), "advanced-04", "exec"), scope)

    class Log:
        def __init__(self) -> None:
            self.entries: list[tuple[int, object]] = []

        def last_seq(self) -> int:
            return self.entries[-1][0] if self.entries else 0

        def append(self, seq: int, msg: object) -> None:
            self.entries.append((seq, msg))

    class Conn:
        def __init__(self) -> None:
            self.got: list[tuple[int, object]] = []
            self.heard = asyncio.Event()

        def offer(self, item: tuple[int, object]) -> None:
            self.got.append(item)
            if len(self.got) % 2 == 0:  # both messages of one life
                self.heard.set()

    async def scenario() -> list[int]:
        log, alice = Log(), Conn()
        for life in range(2):  # the supervisor: a fresh Room each time
            room = scope["Room"](log)
            task = asyncio.create_task(room.run())
            for msg in (("join", alice), ("say", f"hello {life}"), ("say", f"again {life}")):
                await room.mailbox.put(msg)
            await alice.heard.wait()
            alice.heard.clear()
            task.cancel()  # the crash
        return [seq for seq, _ in alice.got]

    assert asyncio.run(scenario()) == [1, 2, 3, 4]


SLOW_AND_DEAD_RIG = """
const { WebSocket } = require('ws');
const peer = (name, extra) => ({ name, readyState: WebSocket.OPEN, bufferedAmount: 0, isAlive: true, got: [],
  send(data) { this.got.push(data); }, terminate() { this.terminated = true; }, ping() { this.pinged = (this.pinged ?? 0) + 1; },
  ...extra });
const healthy = peer('healthy'), slow = peer('slow', { bufferedAmount: 2 << 20 });
block.broadcast([healthy, slow], { n: 1 });
const answering = peer('answering'), silent = peer('silent'); // half-open: never pongs
block.wss.clients.add(answering); block.wss.clients.add(silent);
(async () => {
  await clock.advance(30000); answering.isAlive = true; // its pong arrives, the silent one's never does
  await clock.advance(30000);
  console.log(JSON.stringify({ healthy: healthy.got, slowGot: slow.got.length, slowTerminated: !!slow.terminated,
    answering: !!answering.terminated, silent: !!silent.terminated }));
  process.exit(0);
})();
"""


def test_08_a_slow_consumer_is_cut_and_a_half_open_peer_is_reaped_after_one_missed_pong(node: Node) -> None:
    result = node.run(wrap_timers(block("advanced-08"), ["wss", "broadcast"]) + SLOW_AND_DEAD_RIG)
    assert result == {
        "healthy": ['{"n":1}'],
        "slowGot": 0,
        "slowTerminated": True,  # over 1 MiB queued: terminated, not fed more
        "answering": False,
        "silent": True,  # pinged at 30 s, no pong by 60 s: terminated
    }


STRIKES_RIG = """
const { WebSocket } = require('ws');
const { once } = require('node:events');
(async () => {
  await once(block.server, 'listening');
  const ws = new WebSocket(`ws://127.0.0.1:${block.server.address().port}`);
  let code = null;
  ws.on('close', (c) => { code = c; });
  await once(ws, 'open');
  const burst = async (n) => { // frames are handled in order, so the pong means all n were judged
    for (let i = 0; i < n; i++) ws.send('x');
    ws.ping();
    await Promise.race([once(ws, 'pong'), once(ws, 'close')]);
  };
  await burst(40 + 50);            // the burst passes, then 50 strikes: still open
  await clock.advance(60000);      // a minute of good behaviour
  await burst(40 + 50);            // forgiven: the same again is still fine
  const forgiven = code === null && ws.readyState === WebSocket.OPEN;
  if (forgiven) { ws.send('x'); await once(ws, 'close'); } // the 51st strike without a pause
  console.log(JSON.stringify({ forgiven, code }));
  process.exit(0);
})();
"""


def _with_unref(wrapped: str) -> str:
    """fixtures/clock.js timers are plain ids; a block that calls .unref() on one (as Node's allow) gets an
    id that has it. Inserted after wrap_timers' first line (the clock), before the block is called."""
    first, rest = wrapped.split("\n", 1)
    patch = (
        "for (const name of ['setTimeout', 'setInterval']) { const make = clock[name];"
        " clock[name] = (...args) => Object.assign(Number(make(...args)), { unref() { return this; } }); }"
        " for (const name of ['clearTimeout', 'clearInterval']) { const clear = clock[name];"
        " clock[name] = (id) => clear(Number(id)); }"
    )
    return f"{first}\n{patch}\n{rest}"


def test_07_strikes_decay_so_an_honest_burst_a_minute_later_is_not_closed(node: Node) -> None:
    result = node.run(_with_unref(wrap_timers(block("advanced-07"), ["server"])) + STRIKES_RIG)
    assert result == {"forgiven": True, "code": 1008}
