"""The Beginner answers' code, run under node as readers would copy it (blocks.py), against what each
answer claims and against the hostile clients every real server meets."""

from __future__ import annotations

from tests.content.blocks import Node, SocketIO, block

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
