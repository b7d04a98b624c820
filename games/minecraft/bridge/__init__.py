"""The live bridge to a running game (mcpi/RaspberryJuice protocol): connection, stamp, snapshot.

A plain Python package (no models, no Django): see connection.py for the protocol and how real
servers behave, stamping.py for volumes, minetest_server.py for the headless Minetest server.
"""

from .connection import BlockHit, BridgeCommandFailed, BridgeUnavailable, McpiConnection
from .stamping import StampReport, cuboids, snapshot, stamp

__all__ = [
    "BlockHit",
    "BridgeCommandFailed",
    "BridgeUnavailable",
    "McpiConnection",
    "StampReport",
    "cuboids",
    "snapshot",
    "stamp",
]
