"""The master data key and the audit key: from DATA_KEY and AUDIT_KEY, or in local mode
generated into var/ on first run. The two are never the same key: the audit key signs the
audit chain, so that whoever holds the data (and its key) cannot rewrite the record."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from bot.settings import Settings, SettingsError
from storage.audit import AuditKeyError, AuditSigner, new_audit_key
from storage.crypto import Cipher, DataKeyError, new_key

log = logging.getLogger(__name__)

LOCAL_KEY_FILE = "data.key"
LOCAL_AUDIT_KEY_FILE = "audit.key"


def _local_key(settings: Settings, name: str, make: str, what: str) -> str:
    path = Path(settings.var_dir) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make)
        log.warning(f"LOCAL MODE: generated {what}", extra={"path": str(path)})
    return path.read_text()


def audit_signer(settings: Settings) -> AuditSigner:
    """The audit key (AUDIT_KEY, or var/audit.key in local mode)."""
    text = settings.audit_key.get_secret_value()
    if not text:
        if not settings.local:
            raise SettingsError("AUDIT_KEY is required outside local mode.")
        text = _local_key(settings, LOCAL_AUDIT_KEY_FILE, new_audit_key(), "an audit key")
    if text.strip() in (k.strip() for k in settings.data_key.get_secret_value().split(",")):
        raise SettingsError("AUDIT_KEY must not be the data key: generate one with `key new`.")
    try:
        return AuditSigner.from_text(text)
    except AuditKeyError as error:
        raise SettingsError(str(error)) from None


def master_cipher(settings: Settings) -> Cipher:
    data_key = settings.data_key.get_secret_value()
    if data_key:
        try:
            return Cipher.from_text(data_key)
        except DataKeyError as error:
            raise SettingsError(str(error)) from None
    if not settings.local:
        raise SettingsError("DATA_KEY is required outside local mode.")
    path = Path(settings.var_dir) / LOCAL_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key())
        log.warning(
            "LOCAL MODE: generated a data key for personal data at rest",
            extra={"path": str(path)},
        )
    try:
        return Cipher.from_text(path.read_text())
    except DataKeyError as error:
        raise SettingsError(f"{path}: {error}") from None
