"""Who the workers of a cluster are and where the public listener is: plain data, checked once.

A worker is a shard name (``w1``, the prefix of every session id it creates), the address
it serves on and, as nginx and its peers see it, the URL of that address. Workers spread
over several hosts are listed the same way: ``w3=10.0.0.3:8101``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sessions.config import SHARD_PATTERN

DEFAULT_BASE_PORT = 8101
DEFAULT_LISTEN = "127.0.0.1:8000"


class TopologyError(ValueError):
    """A worker list or address that cannot make a cluster (the message says why)."""


@dataclass(frozen=True, slots=True)
class Worker:
    """One ``server.py`` process: its shard and the ``host:port`` it listens on."""

    shard: str
    host: str
    port: int

    @property
    def address(self) -> str:
        """``host:port`` as nginx's ``server`` directive takes it (IPv6 in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"


@dataclass(frozen=True, slots=True)
class Cluster:
    """The workers and the proxy in front of them."""

    workers: tuple[Worker, ...]
    listen: str = DEFAULT_LISTEN
    heartbeat_seconds: float = 10.0
    max_body_bytes: int = 2 * 1024 * 1024
    admin_allow: tuple[str, ...] = ("127.0.0.1", "::1")
    """Who may read ``/_worker/{shard}/metrics`` and ``/health`` through the proxy
    (nginx ``allow`` entries: addresses or CIDR ranges; ``all`` for anyone)."""

    def __post_init__(self) -> None:
        if not self.workers:
            raise TopologyError("a cluster needs at least one worker")
        seen: set[str] = set()
        for worker in self.workers:
            if SHARD_PATTERN.fullmatch(worker.shard) is None:
                raise TopologyError(
                    f"shard {worker.shard!r}: must be 1-16 lowercase letters and digits"
                )
            if worker.shard in seen:
                raise TopologyError(f"shard {worker.shard!r} is named twice")
            seen.add(worker.shard)
        addresses = [worker.address for worker in self.workers]
        if len(set(addresses)) != len(addresses):
            raise TopologyError("two workers share an address")

    @property
    def peers(self) -> str:
        """``--peers`` for every worker: ``w1=http://host:port,...``."""
        return ",".join(f"{worker.shard}={worker.url}" for worker in self.workers)


def local_workers(count: int, hosts: tuple[str, ...], base_port: int) -> tuple[Worker, ...]:
    """``count`` workers ``w1``…``wN`` on ports from ``base_port``, dealt over ``hosts`` in turn
    (``127.0.0.2,127.0.0.3`` simulates two machines on one)."""
    if count < 1:
        raise TopologyError(f"at least one worker, got {count}")
    if not hosts:
        raise TopologyError("at least one host")
    return tuple(
        Worker(f"w{index + 1}", hosts[index % len(hosts)], base_port + index)
        for index in range(count)
    )


def parse_worker(spec: str) -> Worker:
    """``w1=10.0.0.2:8101`` (or ``w1=[::1]:8101``) as a :class:`Worker`."""
    shard, equals, address = spec.strip().partition("=")
    host, colon, port = address.rpartition(":")
    if not equals or not colon or not host or not port.isdigit():
        raise TopologyError(f"worker {spec!r}: expected NAME=HOST:PORT, like w1=10.0.0.2:8101")
    number = int(port)
    if not 0 < number < 65536:
        raise TopologyError(f"worker {spec!r}: port {number} is out of range")
    return Worker(shard, host.strip("[]"), number)
