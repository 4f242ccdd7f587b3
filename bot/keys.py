"""The master data key: from DATA_KEY, or in local mode generated into var/ on first run."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from bot.settings import Settings, SettingsError
from storage.crypto import Cipher, DataKeyError, new_key

log = logging.getLogger(__name__)

LOCAL_KEY_FILE = "data.key"


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
