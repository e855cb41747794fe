"""Pack files the chat import tests attach: a valid CSV, one partly invalid (a good row and two
bad ones: nothing of it may be stored), and one that is not a pack at all."""

from __future__ import annotations

GOOD_CSV = b"""level,title,summary,answer,key_point_1
beginner,What is a port?,A number naming one endpoint on a host.,"A port is a 16-bit number that, with the host's address, names one endpoint of a connection.",16-bit number
intermediate,Why is TCP reliable?,It retransmits what is not acknowledged.,"TCP numbers every byte, acknowledges what arrives and resends what is not acknowledged in time.",acknowledgements and retransmission
"""
PARTLY_BAD_CSV = b"""level,title,summary,answer,key_point_1
beginner,What is a port?,A number naming one endpoint on a host.,"A port is a 16-bit number.",16-bit number
expert,Why is TCP reliable?,It retransmits.,"TCP resends.",acks
beginner,,No title here.,"Something.",a point
"""
PROBLEMS = (
    "level: must be one of beginner, intermediate, advanced (got 'expert')",
    "title: required field is missing",
)
NOT_JSON = b'{"format": "practicebot-pack", "version": 1, "pack": '
