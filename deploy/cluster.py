"""``python -m deploy.cluster``: write a cluster's configuration, or run one in the foreground.

``up``      nginx and N workers on this machine under supervisord, in the foreground (what
            ``make cluster WORKERS=4`` runs). Ctrl-C stops it in order: nginx stops
            accepting (SIGQUIT), then the workers shut down gracefully and save (SIGTERM),
            then nginx ends once their sockets are closed.
``nginx``   print the ``http { }`` part of the nginx configuration for a real host
            (``/etc/nginx/conf.d/interview.conf``), workers on any hosts.
``supervisor``  print a supervisord configuration for the workers of one host.

Every file of a local cluster is in one directory (default ``.cluster/``): ``nginx.conf``,
``supervisord.conf``, ``data/<shard>.json`` (each worker's snapshot), ``logs/``. Operate it
with ``supervisorctl -c .cluster/supervisord.conf status|restart workers:w2|...``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from deploy import nginx, supervisor
from deploy.health import NotHealthy, wait_healthy
from deploy.topology import (
    DEFAULT_BASE_PORT,
    DEFAULT_LISTEN,
    Cluster,
    TopologyError,
    Worker,
    local_workers,
    parse_worker,
)

ROOT = Path(__file__).resolve().parent.parent
NGINX_PLACES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
CLOSE_TIMEOUT = 5.0
PR_SET_PDEATHSIG = 1


def find_nginx() -> str | None:
    """nginx on the PATH, or where Debian and source builds put it (``/usr/sbin`` is often
    not on a user's PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((place for place in NGINX_PLACES if os.access(place, os.X_OK)), None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run nginx and the workers here, in the foreground")
    _topology_flags(up)
    up.add_argument("--dir", type=Path, default=ROOT / ".cluster", help="state directory")
    up.add_argument("--snapshot-interval", type=float, default=5.0)
    up.add_argument("--shutdown-grace-seconds", type=float, default=10.0)
    up.add_argument("--nginx-workers", type=int, default=1, help="nginx worker_processes")
    up.add_argument("--log-files", action="store_true", help="logs/<name>.log, not stdout")
    up.add_argument("worker_args", nargs="*", help="more server.py flags, after --")
    conf = commands.add_parser("nginx", help="print the http-block configuration")
    _topology_flags(conf)
    conf.add_argument("--access-log", default="/var/log/nginx/interview-access.log")
    conf.add_argument("--ssl-cert", help="certificate chain (PEM): serve https and wss")
    conf.add_argument("--ssl-key", help="private key (PEM) for --ssl-cert")
    sup = commands.add_parser("supervisor", help="print supervisord.conf for this host")
    _topology_flags(sup)
    sup.add_argument("--dir", type=Path, default=Path("/var/lib/interview"))
    sup.add_argument("--only", default="", help="comma-separated shards that run here")
    sup.add_argument("--trusted-proxies", default="127.0.0.1", help="nginx's address(es)")
    sup.add_argument("worker_args", nargs="*", help="more server.py flags, after --")
    return parser


def _topology_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=2, help="how many local workers")
    parser.add_argument("--worker-hosts", default="127.0.0.1", help="hosts to deal them over")
    parser.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT)
    parser.add_argument(
        "--worker", action="append", default=[], help="NAME=HOST:PORT (repeat; overrides above)"
    )
    parser.add_argument("--listen", default=DEFAULT_LISTEN, help="nginx's listen address")
    parser.add_argument("--port", type=int, help="shorthand: --listen 127.0.0.1:PORT")
    parser.add_argument("--heartbeat-seconds", type=float, default=10.0)
    parser.add_argument("--admin-allow", default="127.0.0.1,::1", help="nginx allow entries")


def cluster_of(args: argparse.Namespace) -> Cluster:
    workers: tuple[Worker, ...]
    if args.worker:
        workers = tuple(parse_worker(spec) for spec in args.worker)
    else:
        hosts = tuple(host.strip() for host in args.worker_hosts.split(",") if host.strip())
        workers = local_workers(args.workers, hosts, args.base_port)
    listen = f"127.0.0.1:{args.port}" if args.port is not None else args.listen
    return Cluster(
        workers=workers,
        listen=listen,
        heartbeat_seconds=args.heartbeat_seconds,
        admin_allow=tuple(entry.strip() for entry in args.admin_allow.split(",") if entry),
    )


def write_files(
    cluster: Cluster, layout: supervisor.Layout, nginx_workers: int, extra: list[str]
) -> None:
    """Lay out the state directory: configurations, ``data/``, ``logs/``, nginx's temp."""
    directory = layout.directory
    for sub in ("data", "logs", "nginx-temp"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    (directory / "nginx.pid").unlink(missing_ok=True)  # left by a crash: not this nginx
    os.chmod(directory / "data", 0o700)  # snapshots hold tokens
    config = nginx.main_config(cluster, directory, worker_processes=nginx_workers)
    (directory / "nginx.conf").write_text(config, encoding="utf-8")
    conf = supervisor.render(cluster, layout, extra=extra)
    (directory / "supervisord.conf").write_text(conf, encoding="utf-8")


def up(args: argparse.Namespace) -> int:
    cluster = cluster_of(args)
    binary = find_nginx()
    if binary is None:
        print("cluster: nginx is not installed (Debian: apt-get install nginx)", file=sys.stderr)
        return 2
    layout = supervisor.Layout(
        directory=args.dir.resolve(),
        python=sys.executable,
        root=ROOT,
        nginx=binary,
        snapshot_interval=args.snapshot_interval,
        shutdown_grace_seconds=args.shutdown_grace_seconds,
        log_to_stdout=not args.log_files,
    )
    busy = [address for address in _addresses(cluster) if not _bindable(*address)]
    if busy:
        listed = ", ".join(f"{host}:{port}" for host, port in busy)
        print(f"cluster: in use already: {listed} (another cluster? see --port)", file=sys.stderr)
        return 2
    write_files(cluster, layout, args.nginx_workers, args.worker_args)
    check = subprocess.run(
        [*supervisor.nginx_command(layout), "-t", "-q"], capture_output=True, text=True
    )
    if check.returncode != 0:
        print(f"cluster: nginx refuses the configuration:\n{check.stderr}", file=sys.stderr)
        return 2
    return run(cluster, layout)


def _addresses(cluster: Cluster) -> list[tuple[str, int]]:
    host, _, port = cluster.listen.rpartition(":")
    listen = (host.strip("[]") or "0.0.0.0", int(port))
    return [listen, *((worker.host, worker.port) for worker in cluster.workers)]


def _bindable(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def run(cluster: Cluster, layout: supervisor.Layout) -> int:
    """supervisord in the foreground until SIGINT or SIGTERM, then the ordered stop."""
    stopping: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _: stopping.append(signum))
    signal.signal(signal.SIGTERM, lambda signum, _: stopping.append(signum))
    conf = layout.directory / "supervisord.conf"
    keeper = subprocess.Popen(
        [layout.python, "-m", "supervisor.supervisord", "-c", str(conf)],
        start_new_session=True,  # Ctrl-C reaches this process only: it decides the order
        preexec_fn=_die_with_parent,
    )
    base = f"http://{cluster.listen}"
    print(f"cluster: starting {len(cluster.workers)} worker(s), then nginx on {base}", flush=True)
    if _start(cluster, layout, keeper, stopping):
        workers = ", ".join(f"{worker.shard}@{worker.address}" for worker in cluster.workers)
        print(
            f"cluster: up on {base}: {workers}; one view at {base}/cluster/health; Ctrl-C stops",
            flush=True,
        )
    while not stopping and keeper.poll() is None:
        _pause()
    if keeper.poll() is not None:
        print(f"cluster: supervisord exited ({keeper.returncode})", file=sys.stderr)
        return keeper.returncode or 1
    return stop(layout, keeper, cluster.listen)


def stop(layout: supervisor.Layout, keeper: subprocess.Popen[bytes], listen: str) -> int:
    """nginx stops accepting first, then the workers save and close, then nginx ends."""
    pid = _read_pid(layout.directory / "nginx.pid", layout.directory)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)
        _wait_closed(listen)
        print("cluster: stopping: nginx accepts no new connections", flush=True)
    print("cluster: stopping: workers shut down and save their sessions", flush=True)
    keeper.send_signal(signal.SIGTERM)
    try:
        code = keeper.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        print("cluster: supervisord did not stop in time: killing it", file=sys.stderr)
        keeper.kill()
        code = keeper.wait()
    print(f"cluster: stopped ({code})", flush=True)
    return code


def _start(
    cluster: Cluster,
    layout: supervisor.Layout,
    keeper: subprocess.Popen[bytes],
    stopping: list[int],
) -> bool:
    """Each worker's own ``/health`` first, then nginx, then ``/cluster/health`` once through
    it: nginx never tries a worker that does not listen yet (each try would be a ``connect()
    failed`` line in its error log, and the worker taken out of rotation for a while)."""
    deadline = time.monotonic() + START_TIMEOUT

    def alive() -> bool:
        return not stopping and keeper.poll() is None

    everyone = True
    try:
        for worker in cluster.workers:
            wait_healthy(f"{worker.url}/health", within=deadline - time.monotonic(), alive=alive)
    except NotHealthy:
        everyone = False
    if not alive():
        return False
    conf = str(layout.directory / "supervisord.conf")
    nginx_started = subprocess.run(
        [layout.python, "-m", "supervisor.supervisorctl", "-c", conf, "start", "nginx"],
        capture_output=True,
        text=True,
    )
    if nginx_started.returncode != 0:
        print(f"cluster: nginx did not start: {nginx_started.stdout.strip()}", file=sys.stderr)
        return False
    if not everyone:
        print(f"cluster: not every worker is up after {START_TIMEOUT:g}s", file=sys.stderr)
        return False
    try:
        url = f"http://{cluster.listen}/cluster/health"
        wait_healthy(url, within=max(deadline - time.monotonic(), 1.0), alive=alive)
    except NotHealthy as exc:
        if alive():
            print(f"cluster: {exc}", file=sys.stderr)
        return False
    return True


def _wait_closed(listen: str) -> None:
    """Until nothing accepts on ``listen`` (nginx's graceful stop closes its listening socket
    at once; its open connections go on), at most ``CLOSE_TIMEOUT`` seconds."""
    host, _, port = listen.rpartition(":")
    deadline = time.monotonic() + CLOSE_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), 0.5):
                pass
        except OSError:
            return
        _pause()


def _pause() -> None:
    time.sleep(0.1)  # the foreground loop's tick: signals are noticed within it


def _read_pid(path: Path, directory: Path) -> int | None:
    """The pid in ``path`` if that process is still ours (its command line names
    ``directory``): a pid file left by a crash may name someone else's process by now."""
    try:
        pid = int(path.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if str(directory).encode() in cmdline else None


def _die_with_parent() -> None:
    """In the child: SIGTERM when this runner dies, so supervisord never outlives it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: a stray supervisord is stopped by hand
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            return up(args)
        cluster = cluster_of(args)
    except TopologyError as exc:
        parser.error(str(exc))
    if args.command == "nginx":
        if bool(args.ssl_cert) != bool(args.ssl_key):
            parser.error("--ssl-cert and --ssl-key go together")
        tls = (args.ssl_cert, args.ssl_key) if args.ssl_cert else None
        print(nginx.http_block(cluster, args.access_log, tls), end="")
        return 0
    only = {shard.strip() for shard in args.only.split(",") if shard.strip()}
    here = [worker for worker in cluster.workers if not only or worker.shard in only]
    layout = supervisor.Layout(
        directory=args.dir,
        python=sys.executable,
        root=ROOT,
        trusted_proxies=args.trusted_proxies,
        log_to_stdout=False,
    )
    print(supervisor.render(cluster, layout, here, args.worker_args), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
