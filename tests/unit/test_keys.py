from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.app import create_app
from bot.keys import master_cipher
from bot.settings import SettingsError
from storage.crypto import new_key
from tests.conftest import local_settings


def test_local_mode_generates_a_key_once_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = local_settings(tmp_path)
    with caplog.at_level(logging.WARNING):
        first = master_cipher(settings)
    assert "generated a data key" in caplog.text
    key_file = tmp_path / "var" / "data.key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    token = first.encrypt("secret", context="t")
    assert master_cipher(settings).decrypt(token, context="t") == "secret"


def test_production_refuses_a_malformed_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DATA_KEY"):
        master_cipher(local_settings(tmp_path, mode="production", data_key="short"))
    assert master_cipher(local_settings(tmp_path, mode="production", data_key=new_key()))


def test_a_bad_timetable_stops_start_up_naming_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "t.toml"
    text = (Path(__file__).resolve().parents[2] / "config" / "timetable.toml").read_text()
    bad.write_text(text.replace('\nanchor = "igt_sent"', '\nanchor = "igt_sendt"'))
    with pytest.raises(SettingsError, match=r"igt_returns\): anchor 'igt_sendt'"):
        create_app(local_settings(tmp_path, timetable_file=str(bad)))


def test_the_audit_key_is_kept_apart_from_the_data_key(tmp_path: Path) -> None:
    from bot.keys import audit_signer
    from storage.audit import new_audit_key

    same = new_key()
    with pytest.raises(SettingsError, match="AUDIT_KEY must not be the data key"):
        audit_signer(local_settings(tmp_path, mode="production", data_key=same, audit_key=same))
    with pytest.raises(SettingsError, match="AUDIT_KEY is required"):
        audit_signer(local_settings(tmp_path, mode="production", data_key=same))
    key = new_audit_key()
    signer = audit_signer(local_settings(tmp_path, mode="production", audit_key=key))
    assert signer.valid("x", signer.sign("x")) and not signer.valid("y", signer.sign("x"))
    local = audit_signer(local_settings(tmp_path))  # generated once into var/, then reused
    assert (tmp_path / "var" / "audit.key").exists()
    assert audit_signer(local_settings(tmp_path)).public_text == local.public_text
