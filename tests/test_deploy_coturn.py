"""deploy.coturn: the turnserver.conf that trusts the interview server's shared secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.coturn import TurnSettings, config_text, main


def lines(settings: TurnSettings) -> list[str]:
    return config_text(settings).splitlines()


def test_the_configuration_authenticates_with_the_shared_secret_only():
    conf = lines(TurnSettings(secret="s3cret-s3cret-s3cret"))
    assert "use-auth-secret" in conf
    assert "static-auth-secret=s3cret-s3cret-s3cret" in conf
    assert not [line for line in conf if line.startswith(("user=", "lt-cred-mech"))]


def test_the_relay_refuses_private_and_loopback_peers_unless_told_for_a_test():
    default = lines(TurnSettings(secret="x" * 16))
    assert "denied-peer-ip=127.0.0.0-127.255.255.255" in default
    assert "denied-peer-ip=10.0.0.0-10.255.255.255" in default
    assert "allow-loopback-peers" not in default
    local = lines(TurnSettings(secret="x" * 16, allow_loopback=True))
    assert "allow-loopback-peers" in local
    assert "denied-peer-ip=127.0.0.0-127.255.255.255" not in local
    assert "denied-peer-ip=10.0.0.0-10.255.255.255" in local


def test_tls_only_with_a_certificate():
    assert "no-tls" in lines(TurnSettings(secret="x" * 16))
    tls = lines(TurnSettings(secret="x" * 16, cert="/c.pem", pkey="/k.pem"))
    assert ("cert=/c.pem" in tls, "no-tls" in tls) == (True, False)


def test_a_secret_that_would_break_the_file_is_refused():
    with pytest.raises(ValueError, match="one non-empty line"):
        config_text(TurnSettings(secret="a\nlisten-port=1"))


def test_the_command_writes_the_file_for_its_owner_only(tmp_path: Path):
    secret = tmp_path / "secret"
    secret.write_text("a-shared-secret-of-some-length\n")
    out = tmp_path / "turnserver.conf"
    assert (
        main(["--secret-file", str(secret), "--external-ip", "203.0.113.7", "--output", str(out)])
        == 0
    )
    assert out.stat().st_mode & 0o777 == 0o600
    text = out.read_text()
    assert "static-auth-secret=a-shared-secret-of-some-length\n" in text
    assert "external-ip=203.0.113.7\n" in text
