"""The server's version, reported by ``/health``."""

VERSION = "0.1.0"
