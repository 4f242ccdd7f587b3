"""Settings: read once, from the environment (and an optional .env file), and fail fast.

Nothing else in the project reads ``os.environ``. ``Settings.from_env()`` returns a frozen
``pydantic-settings`` model: each field is named by its environment key (``PORT``,
``APP_PASSWORD``, ...), typed, and checked; a missing or malformed key stops start-up with a
message that names it. Secrets are ``SecretStr``: never in ``repr``, errors or log lines.
Built directly (``Settings(port=...)``, the tests and benchmarks), a model reads no
environment at all.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import Field, PositiveFloat, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/casereview.db"
APP_TYPES = ("SingleTenant", "MultiTenant")
# Microsoft's public cloud; each can be pointed elsewhere (a government cloud, or the tests'
# loopback identity server) by the setting of the same name the SDK reads.
OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TOKEN_ISSUER = "https://api.botframework.com"
LOGIN_URL_PREFIX = "https://login.microsoftonline.com/"
OAUTH_SCOPE = "https://api.botframework.com"
MODES = ("production", "local")
YES, NO = ("yes", "true", "1", "on"), ("no", "false", "0", "off")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and says what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        hide_input_in_errors=True,
    )

    mode: Literal["production", "local"] = Field("production", alias="BOT_MODE")
    host: str = Field("127.0.0.1", alias="HOST")
    port: int = Field(3978, alias="PORT", ge=1, le=65535)
    database_url: str = Field(DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    app_id: str = Field("", alias="APP_ID")
    app_password: SecretStr = Field(SecretStr(""), alias="APP_PASSWORD")
    app_tenant_id: str = Field("", alias="APP_TENANTID")
    app_type: Literal["SingleTenant", "MultiTenant"] = Field("SingleTenant", alias="APP_TYPE")
    allowed_tenant_id: str = Field("", alias="ALLOWED_TENANT_ID")  # default: APP_TENANTID
    case_review_channel_id: str = Field("", alias="CASE_REVIEW_CHANNEL_ID")
    timezone: str = Field("Europe/London", alias="TIMEZONE")
    data_key: SecretStr = Field(SecretStr(""), alias="DATA_KEY")
    # Signs the audit chain (Ed25519 seed, base64); never the same as DATA_KEY.
    audit_key: SecretStr = Field(SecretStr(""), alias="AUDIT_KEY")
    bootstrap_admins: tuple[str, ...] = Field((), alias="BOOTSTRAP_ADMINS")
    timetable_file: str = Field("config/timetable.toml", alias="TIMETABLE_FILE")
    nudges_file: str = Field("config/nudges.toml", alias="NUDGES_FILE")
    # The reminder job on this instance (REMINDERS=off: not here).
    reminders: bool = Field(True, alias="REMINDERS")
    local_roles_file: str = Field("", alias="LOCAL_ROLES_FILE")
    var_dir: str = Field("var", alias="VAR_DIR")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    outbox_interval_seconds: PositiveFloat = Field(5.0, alias="OUTBOX_INTERVAL_SECONDS")
    # An undeliverable message is given up this long after it fell due (audited, logged, and
    # the Business Unit told).
    outbox_give_up_hours: PositiveFloat = Field(24.0, alias="OUTBOX_GIVE_UP_HOURS")
    contact_email: str = Field("BDSCP@bradford.gov.uk", alias="CONTACT_EMAIL")
    # Where Teams reaches the bot (the app package's validDomains).
    public_host: str = Field("", alias="PUBLIC_HOST")
    # The rapid review pack's Word template (empty: the one in cards/templates/).
    pack_template: str = Field("", alias="PACK_TEMPLATE")
    # How long a download link (the pack, the figures' CSV) can be used, once.
    download_minutes: PositiveFloat = Field(10.0, alias="DOWNLOAD_MINUTES")
    openid_metadata_url: str = Field(
        OPENID_METADATA_URL, alias="TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"
    )
    token_issuer: str = Field(TOKEN_ISSUER, alias="TO_BOT_FROM_CHANNEL_TOKEN_ISSUER")
    # Empty: the Entra authority for APP_TYPE and APP_TENANTID.
    login_url: str = Field("", alias="TO_CHANNEL_FROM_BOT_LOGIN_URL")
    oauth_scope: str = Field(OAUTH_SCOPE, alias="TO_CHANNEL_FROM_BOT_OAUTH_SCOPE")
    # Library loggers (SQLAlchemy, aiosqlite, asyncpg, msrest, ...) stay at WARNING: at
    # DEBUG they print SQL parameters, names and conversation references. Only this asks.
    log_libraries: bool = Field(False, alias="LOG_LIBRARIES")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only what the caller gives: ``from_env`` reads the environment and .env itself."""
        return (init_settings,)

    @field_validator("mode", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("bootstrap_admins", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(a.strip() for a in value.split(",") if a.strip())
        return value

    @field_validator("reminders", mode="before")
    @classmethod
    def _on_or_off(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.lower() not in NO  # anything but off/no/false/0 leaves them on
        return value

    @field_validator("log_libraries", mode="before")
    @classmethod
    def _yes_or_no(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.lower() not in (*YES, *NO):
                raise ValueError(f"must be yes or no, not {value!r}")
            return value.lower() in YES
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone") from None
        return value

    @field_validator("openid_metadata_url", "login_url")
    @classmethod
    def _safe_url(cls, value: str) -> str:
        if value and not _is_safe_url(value):
            raise ValueError(
                f"must be an https:// address (http:// only on loopback), not {value!r}"
            )
        return value

    @property
    def local(self) -> bool:
        return self.mode == "local"

    @property
    def token_url(self) -> str:
        """Where the bot's outbound token comes from (Entra, client credentials grant)."""
        authority = self.login_url or LOGIN_URL_PREFIX + (
            self.app_tenant_id if self.app_type == "SingleTenant" else "botframework.com"
        )
        return authority.rstrip("/") + "/oauth2/v2.0/token"

    @property
    def public_url(self) -> str:
        """Where people's browsers reach the bot (download links): PUBLIC_HOST over https;
        in local mode this machine, as the local Teams client's browser does."""
        if self.local or not self.public_host:
            host = "localhost" if self.host in ("127.0.0.1", "::1", "localhost") else self.host
            return f"http://{host}:{self.port}"
        return f"https://{self.public_host}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        env_file: str | None = ".env",
        *,
        require_credentials: bool = True,
    ) -> Settings:
        """Build settings from ``environ`` (default ``os.environ``) over an optional .env file.

        ``require_credentials=False`` is for offline tools (``deadlines``, ``audit verify``)
        that never serve or talk to Teams.
        """
        values: dict[str, str] = {}
        if env_file and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        keys = {field.alias for field in cls.model_fields.values()}
        given = {key: value.strip() for key, value in values.items() if key in keys}
        if not given.get("ALLOWED_TENANT_ID"):
            given["ALLOWED_TENANT_ID"] = given.get("APP_TENANTID", "")
        try:
            settings = cls.model_validate(given)
        except ValidationError as error:
            raise SettingsError(_named(error)) from None
        if require_credentials:
            settings.check()
        return settings

    def check(self) -> None:
        """Refuse combinations that must never run."""
        if self.local:
            if not _is_loopback(self.host):
                raise SettingsError(
                    f"BOT_MODE=local runs without authentication, so HOST must be a loopback "
                    f"address (127.0.0.1, ::1 or localhost), not {self.host!r}."
                )
            if not self.allowed_tenant_id:
                raise SettingsError(
                    "ALLOWED_TENANT_ID is required in local mode: set it to the local "
                    "client's tenantId (see .m365agentsplayground.yml)."
                )
            return
        missing = [
            name
            for name, value in (
                ("APP_ID", self.app_id),
                ("APP_PASSWORD", self.app_password.get_secret_value()),
                ("APP_TENANTID", self.app_tenant_id),
                ("DATA_KEY", self.data_key.get_secret_value()),
                ("AUDIT_KEY", self.audit_key.get_secret_value()),
            )
            if not value
        ]
        if missing:
            raise SettingsError(
                "Missing required settings: "
                + ", ".join(missing)
                + ". Set them in the environment or .env; to run on this machine without "
                "credentials, set BOT_MODE=local."
            )


def _named(error: ValidationError) -> str:
    """Each problem with the key it is under (``PORT: Input should be a valid integer``)."""
    problems = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "settings"
        problems.append(f"{key}: {problem['msg'].removeprefix('Value error, ')}")
    return "Settings not valid: " + "; ".join(problems) + "."


def _is_safe_url(url: str) -> bool:
    parsed = urlsplit(url)
    if parsed.scheme == "https" and parsed.hostname:
        return True
    return parsed.scheme == "http" and _is_loopback(parsed.hostname or "")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
