"""The Advanced answers' code, run under node as readers would copy it (blocks.py), against what each
answer claims and against the hostile clients every real server meets."""

from __future__ import annotations

from tests.content.blocks import Node, Raw, block, hostile


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
    assert answers == {
        "unmasked": 1002,
        "malformed json": "open",
        "short binary": "open",
        "over max_payload": 1009,
    }
    assert node1.serves("/?room=r") and node2.serves("/?room=r")
