"""Settings: read once, from the environment (and an optional .env file), and fail fast.

Nothing else in the project reads ``os.environ``. ``Settings.from_env()`` returns a frozen
object; a missing or malformed key stops start-up with a message that names it. Secrets are
never included in ``repr`` or log lines.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/casereview.db"
APP_TYPES = ("SingleTenant", "MultiTenant")
# Microsoft's public cloud; each can be pointed elsewhere (a government cloud, or the tests'
# loopback identity server) by the setting of the same name the SDK reads.
OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TOKEN_ISSUER = "https://api.botframework.com"
LOGIN_URL_PREFIX = "https://login.microsoftonline.com/"
OAUTH_SCOPE = "https://api.botframework.com"
MODES = ("production", "local")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and says what to do."""


@dataclass(frozen=True)
class Settings:
    mode: str = "production"
    host: str = "127.0.0.1"
    port: int = 3978
    database_url: str = DEFAULT_DATABASE_URL
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_tenant_id: str = ""
    app_type: str = "SingleTenant"
    allowed_tenant_id: str = ""
    case_review_channel_id: str = ""
    timezone: str = "Europe/London"
    data_key: str = field(default="", repr=False)
    bootstrap_admins: tuple[str, ...] = ()
    timetable_file: str = "config/timetable.toml"
    nudges_file: str = "config/nudges.toml"
    reminders: bool = True  # the reminder job on this instance (REMINDERS=off: not here)
    local_roles_file: str = ""
    var_dir: str = "var"
    log_level: str = "INFO"
    outbox_interval_seconds: float = 5.0
    # An undeliverable message is given up this long after it fell due (audited, logged, and
    # the Business Unit told).
    outbox_give_up_hours: float = 24.0
    contact_email: str = "BDSCP@bradford.gov.uk"
    public_host: str = ""  # where Teams reaches the bot (the app package's validDomains)
    openid_metadata_url: str = OPENID_METADATA_URL
    token_issuer: str = TOKEN_ISSUER
    login_url: str = ""  # empty: the Entra authority for APP_TYPE and APP_TENANTID
    oauth_scope: str = OAUTH_SCOPE
    # Library loggers (SQLAlchemy, aiosqlite, asyncpg, msrest, ...) stay at WARNING: at
    # DEBUG they print SQL parameters, names and conversation references. Only this asks.
    log_libraries: bool = False

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

        def get(key: str, default: str = "") -> str:
            return values.get(key, default).strip()

        mode = get("BOT_MODE", "production").lower()
        if mode not in MODES:
            raise SettingsError(f"BOT_MODE must be one of {', '.join(MODES)}, not {mode!r}.")
        port_text = get("PORT", "3978")
        try:
            port = int(port_text)
        except ValueError:
            raise SettingsError(f"PORT must be a whole number, not {port_text!r}.") from None
        interval_text = get("OUTBOX_INTERVAL_SECONDS", "5")
        try:
            interval = float(interval_text)
        except ValueError:
            raise SettingsError(
                f"OUTBOX_INTERVAL_SECONDS must be a number, not {interval_text!r}."
            ) from None
        give_up_text = get("OUTBOX_GIVE_UP_HOURS", "24")
        try:
            give_up = float(give_up_text)
            if give_up <= 0:
                raise ValueError
        except ValueError:
            raise SettingsError(
                f"OUTBOX_GIVE_UP_HOURS must be a positive number, not {give_up_text!r}."
            ) from None
        timezone = get("TIMEZONE", "Europe/London")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"TIMEZONE {timezone!r} is not a known time zone.") from None
        app_type = get("APP_TYPE", "SingleTenant")
        if app_type not in APP_TYPES:
            raise SettingsError(f"APP_TYPE must be one of {', '.join(APP_TYPES)}.")
        log_libraries = get("LOG_LIBRARIES", "no").lower()
        if log_libraries not in ("yes", "no", "true", "false", "1", "0"):
            raise SettingsError(f"LOG_LIBRARIES must be yes or no, not {log_libraries!r}.")
        urls = {
            name: get(name, default)
            for name, default in (
                ("TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL", OPENID_METADATA_URL),
                ("TO_CHANNEL_FROM_BOT_LOGIN_URL", ""),
            )
        }
        for name, url in urls.items():
            if url and not _is_safe_url(url):
                raise SettingsError(
                    f"{name} must be an https:// address (http:// only on loopback), not {url!r}."
                )

        settings = cls(
            mode=mode,
            host=get("HOST", "127.0.0.1"),
            port=port,
            database_url=get("DATABASE_URL", DEFAULT_DATABASE_URL),
            app_id=get("APP_ID"),
            app_password=get("APP_PASSWORD"),
            app_tenant_id=get("APP_TENANTID"),
            app_type=app_type,
            allowed_tenant_id=get("ALLOWED_TENANT_ID") or get("APP_TENANTID"),
            case_review_channel_id=get("CASE_REVIEW_CHANNEL_ID"),
            timezone=timezone,
            data_key=get("DATA_KEY"),
            bootstrap_admins=tuple(
                a.strip() for a in get("BOOTSTRAP_ADMINS").split(",") if a.strip()
            ),
            timetable_file=get("TIMETABLE_FILE", "config/timetable.toml"),
            nudges_file=get("NUDGES_FILE", "config/nudges.toml"),
            reminders=get("REMINDERS", "on").lower() not in ("off", "no", "false", "0"),
            local_roles_file=get("LOCAL_ROLES_FILE"),
            var_dir=get("VAR_DIR", "var"),
            log_level=get("LOG_LEVEL", "INFO").upper(),
            outbox_interval_seconds=interval,
            outbox_give_up_hours=give_up,
            contact_email=get("CONTACT_EMAIL", "BDSCP@bradford.gov.uk"),
            public_host=get("PUBLIC_HOST"),
            openid_metadata_url=urls["TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"],
            token_issuer=get("TO_BOT_FROM_CHANNEL_TOKEN_ISSUER", TOKEN_ISSUER),
            login_url=urls["TO_CHANNEL_FROM_BOT_LOGIN_URL"],
            oauth_scope=get("TO_CHANNEL_FROM_BOT_OAUTH_SCOPE", OAUTH_SCOPE),
            log_libraries=log_libraries in ("yes", "true", "1"),
        )
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
                ("APP_PASSWORD", self.app_password),
                ("APP_TENANTID", self.app_tenant_id),
                ("DATA_KEY", self.data_key),
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
