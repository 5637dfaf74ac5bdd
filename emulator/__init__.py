"""A local stand-in for Adobe IMS, Sandbox Management and Flow Service, written from Adobe's contract.

It shares no code with ``connector``: it is the other side of the wire, so that each checks the other.
"""
from .app import create_emulator_app
from .state import DEFAULT_ORG_ID
from .server import EmulatorServer, check_loopback

__all__ = ["DEFAULT_ORG_ID", "EmulatorServer", "check_loopback", "create_emulator_app"]
