"""The cluster's generated configuration: what nginx and supervisord are told, checked as text,
by ``nginx -t`` and by supervisord's own parser."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from deploy import nginx, supervisor
from deploy.cluster import ROOT, main, write_files
from deploy.topology import Cluster, TopologyError, Worker, local_workers, parse_worker
from tests.clusterkit import nginx_or_skip

CLUSTER = Cluster(
    workers=(Worker("w1", "127.0.0.1", 8101), Worker("w2", "10.0.0.3", 8101)),
    listen="127.0.0.1:8000",
)


def layout(tmp_path: Path, binary: str | None = "/usr/sbin/nginx") -> supervisor.Layout:
    return supervisor.Layout(
        directory=tmp_path, python=sys.executable, root=ROOT, nginx=binary, log_to_stdout=False
    )


def test_local_workers_are_named_w1_to_wn_on_consecutive_ports_dealt_over_the_hosts():
    assert local_workers(3, ("127.0.0.2", "127.0.0.3"), 9000) == (
        Worker("w1", "127.0.0.2", 9000),
        Worker("w2", "127.0.0.3", 9001),
        Worker("w3", "127.0.0.2", 9002),
    )


@pytest.mark.parametrize(
    ("spec", "worker"),
    [("w1=10.0.0.2:8101", Worker("w1", "10.0.0.2", 8101)), ("a=[::1]:80", Worker("a", "::1", 80))],
)
def test_parse_worker_reads_name_host_and_port(spec: str, worker: Worker):
    assert parse_worker(spec) == worker
    assert parse_worker(spec).address == spec.split("=")[1]


@pytest.mark.parametrize("spec", ["w1", "w1=host", "w1=host:x", "w1=host:0", "w1=:80"])
def test_parse_worker_refuses_what_is_not_name_host_port(spec: str):
    with pytest.raises(TopologyError):
        parse_worker(spec)


@pytest.mark.parametrize(
    ("workers", "message"),
    [
        ((), "at least one worker"),
        ((Worker("W1", "h", 1),), "lowercase letters and digits"),
        ((Worker("w1", "h", 1), Worker("w1", "h", 2)), "named twice"),
        ((Worker("w1", "h", 1), Worker("w2", "h", 1)), "share an address"),
    ],
)
def test_a_cluster_refuses_bad_worker_lists(workers: tuple[Worker, ...], message: str):
    with pytest.raises(TopologyError, match=message):
        Cluster(workers=workers)


def test_nginx_routes_each_shard_to_its_own_upstream_and_the_rest_to_any_worker():
    text = nginx.http_block(CLUSTER, "/var/log/nginx/interview-access.log")
    assert '"~^/(?:api/sessions|ws|s)/(?<shard>[a-z0-9]{1,16})\\." $shard;' in text
    assert "    w1 interview_w1;\n    w2 interview_w2;\n" in text
    assert "default interview_any;" in text
    assert "upstream interview_w2 {\n    server 10.0.0.3:8101;\n" in text
    any_pool = text.split("upstream interview_any {", 1)[1].split("}", 1)[0]
    assert "least_conn;" in any_pool
    assert "server 127.0.0.1:8101" in any_pool and "server 10.0.0.3:8101" in any_pool
    assert "proxy_pass http://$interview_upstream;" in text


def test_nginx_sets_x_forwarded_for_to_the_peer_instead_of_appending_the_clients_header():
    text = nginx.http_block(CLUSTER, "access.log")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "$proxy_add_x_forwarded_for" not in text


def test_nginx_access_log_has_the_path_without_query_string_or_referrer():
    text = nginx.http_block(CLUSTER, "access.log")
    log_format = text.split("log_format interview", 1)[1].split(";", 1)[0]
    assert "$uri" in log_format
    for leaky in ("$request ", '$request"', "$request_uri", "$args", "$query_string", "referer"):
        assert leaky not in log_format


def test_nginx_upgrades_websockets_and_waits_longer_than_the_heartbeat():
    text = nginx.http_block(CLUSTER, "access.log")
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_set_header Connection $interview_connection;" in text
    assert "proxy_read_timeout 60s;" in text
    slow = Cluster(workers=CLUSTER.workers, heartbeat_seconds=45)
    assert "proxy_read_timeout 135s;" in nginx.http_block(slow, "access.log")


def test_worker_metrics_and_health_are_only_for_the_admin_addresses():
    text = nginx.http_block(CLUSTER, "access.log")
    location = text.split('location ~ "^/_worker/', 1)[1].split("\n    }", 1)[0]
    assert "allow 127.0.0.1;" in location and "allow ::1;" in location
    assert "deny all;" in location


def test_generated_nginx_config_is_accepted_by_nginx(tmp_path: Path):
    binary = nginx_or_skip()
    write_files(CLUSTER, layout(tmp_path, binary), 1, [])
    check = subprocess.run(
        [*supervisor.nginx_command(layout(tmp_path, binary)), "-t"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr


def test_the_http_block_for_a_real_host_is_accepted_inside_nginxs_http(tmp_path: Path):
    binary = nginx_or_skip()
    (tmp_path / "interview.conf").write_text(
        nginx.http_block(CLUSTER, str(tmp_path / "access.log"))
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{\n    client_body_temp_path {tmp_path}/body;\n    include interview.conf;\n}}\n"
    )
    check = subprocess.run(
        [binary, "-p", f"{tmp_path}/", "-c", "nginx.conf", "-e", "error.log", "-t"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr


def test_each_worker_gets_its_shard_snapshot_trusted_proxy_and_peers(tmp_path: Path):
    command = supervisor.worker_command(CLUSTER, CLUSTER.workers[1], layout(tmp_path))
    flags = dict(zip(command[2::2], command[3::2], strict=True))
    assert command[1] == str(ROOT / "server.py")
    assert flags["--shard"] == "w2"
    assert (flags["--host"], flags["--port"]) == ("10.0.0.3", "8101")
    assert flags["--snapshot"] == str(tmp_path / "data" / "w2.json")
    assert flags["--trusted-proxies"] == "127.0.0.1"
    assert flags["--peers"] == "w1=http://127.0.0.1:8101,w2=http://10.0.0.3:8101"


def test_supervisord_config_restarts_workers_and_stops_them_before_nginx(tmp_path: Path):
    from supervisor.datatypes import RestartUnconditionally
    from supervisor.options import ServerOptions

    write_files(CLUSTER, layout(tmp_path), 1, ["--log-level", "WARNING"])
    options = ServerOptions()
    options.realize(["-c", str(tmp_path / "supervisord.conf")])
    groups = {group.name: group for group in options.process_group_configs}
    assert set(groups) == {"nginx", "workers"}
    assert groups["workers"].priority > groups["nginx"].priority  # stopped first
    workers = {process.name: process for process in groups["workers"].process_configs}
    assert sorted(workers) == ["w1", "w2"]
    for process in workers.values():
        assert process.autorestart is RestartUnconditionally  # whatever the exit status
        assert process.stopsignal == 15  # SIGTERM: save and go
        assert process.command.endswith("--log-level WARNING")
    [nginx_process] = groups["nginx"].process_configs
    assert nginx_process.stopsignal == 3  # SIGQUIT: graceful, stop accepting first
    assert nginx_process.autostart is False  # `up` starts it once the workers answer


def test_cluster_nginx_command_prints_the_http_block(capsys: pytest.CaptureFixture[str]):
    assert main(["nginx", "--worker", "w1=10.0.0.2:8101", "--worker", "w2=10.0.0.3:8101"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"upstream interview_w2 \{\n    server 10\.0\.0\.3:8101;", out)


def test_cluster_supervisor_command_prints_only_this_hosts_workers(
    capsys: pytest.CaptureFixture[str],
):
    argv = ["supervisor", "--workers", "4", "--worker-hosts", "10.0.0.2,10.0.0.3", "--only"]
    assert main([*argv, "w2,w4", "--trusted-proxies", "10.0.0.1"]) == 0
    out = capsys.readouterr().out
    assert "[program:w2]" in out and "[program:w4]" in out
    assert "[program:w1]" not in out and "[program:nginx]" not in out
    assert "--trusted-proxies 10.0.0.1" in out


def test_cluster_nginx_command_serves_https_with_a_certificate(
    capsys: pytest.CaptureFixture[str],
):
    argv = ["nginx", "--worker", "w1=10.0.0.2:8101", "--listen", "443"]
    assert main([*argv, "--ssl-cert", "/etc/c.pem", "--ssl-key", "/etc/k.pem"]) == 0
    out = capsys.readouterr().out
    assert (
        "    listen 443 ssl;\n    ssl_certificate /etc/c.pem;\n    ssl_certificate_key /etc/k.pem;"
        in out
    )


def test_cluster_up_refuses_a_port_in_use_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    nginx_or_skip()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = ["up", "--workers", "1", "--port", str(port), "--dir", str(tmp_path / "c")]
        assert main(argv) == 2
    assert f"in use already: 127.0.0.1:{port}" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()
