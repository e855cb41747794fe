"""The Intermediate answers' code, run under node as readers would copy it (blocks.py), against
what each answer claims and against the hostile clients every real server meets."""

from __future__ import annotations

from tests.content.blocks import Node, Raw, SocketIO, block, hostile

ORIGIN = {"Origin": "https://app.example.com"}


def test_01_echo_server_survives_every_hostile_client_and_refuses_a_foreign_origin(node: Node) -> None:
    server = node.start(block("intermediate-01"))
    with Raw(server.port, "/", {"Origin": "https://evil.example"}) as foreign:
        assert foreign.status == 403
    answers = hostile(server.port, "/", ORIGIN, max_payload=1024 * 1024)
    assert answers == {
        "unmasked": 1002,
        "malformed json": "open",
        "short binary": "open",
        "over max_payload": 1009,
    }
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
