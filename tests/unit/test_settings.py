from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError

PRODUCTION = {
    "APP_ID": "11111111-0000-0000-0000-000000000001",
    "APP_PASSWORD": "s3cret-value",
    "APP_TENANTID": "22222222-0000-0000-0000-000000000002",
    "DATA_KEY": "a-key",
    "AUDIT_KEY": "another-key",
}


def test_production_needs_credentials_and_names_them() -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({}, env_file=None)
    message = str(error.value)
    for name in ("APP_ID", "APP_PASSWORD", "APP_TENANTID", "DATA_KEY", "AUDIT_KEY"):
        assert name in message


def test_production_with_credentials_defaults_the_allowed_tenant() -> None:
    settings = Settings.from_env(PRODUCTION, env_file=None)
    assert settings.allowed_tenant_id == PRODUCTION["APP_TENANTID"]
    assert settings.timezone == "Europe/London"
    assert settings.database_url.startswith("sqlite+aiosqlite:///var/")


def test_secrets_are_not_in_repr() -> None:
    settings = Settings.from_env(PRODUCTION, env_file=None)
    assert "s3cret-value" not in repr(settings)
    assert "a-key" not in repr(settings)


def test_local_mode_must_be_on_loopback() -> None:
    with pytest.raises(SettingsError, match="loopback"):
        Settings.from_env(
            {"BOT_MODE": "local", "HOST": "0.0.0.0", "ALLOWED_TENANT_ID": "t"}, env_file=None
        )
    assert Settings.from_env(
        {"BOT_MODE": "local", "HOST": "::1", "ALLOWED_TENANT_ID": "t"}, env_file=None
    ).local


def test_local_mode_needs_the_tenant() -> None:
    with pytest.raises(SettingsError, match="ALLOWED_TENANT_ID"):
        Settings.from_env({"BOT_MODE": "local"}, env_file=None)


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("PORT", "eighty", "PORT"),
        ("BOT_MODE", "dev", "BOT_MODE"),
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE"),
        ("APP_TYPE", "Anything", "APP_TYPE"),
        ("OUTBOX_GIVE_UP_HOURS", "-1", "OUTBOX_GIVE_UP_HOURS: Input should be greater than 0"),
        ("OUTBOX_INTERVAL_SECONDS", "soon", "OUTBOX_INTERVAL_SECONDS: Input should be"),
        ("PORT", "70000", "PORT: Input should be less than or equal to 65535"),
    ],
)
def test_malformed_values_are_named(key: str, value: str, named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env({**PRODUCTION, key: value}, env_file=None)


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("BOT_MODE=local\nALLOWED_TENANT_ID=from-file\nPORT=4000\n")
    settings = Settings.from_env({"PORT": "5000"}, env_file=str(env))
    assert (settings.mode, settings.allowed_tenant_id, settings.port) == (
        "local",
        "from-file",
        5000,
    )


def test_bootstrap_admins_are_split() -> None:
    settings = Settings.from_env({**PRODUCTION, "BOOTSTRAP_ADMINS": " a , b,,c "}, env_file=None)
    assert settings.bootstrap_admins == ("a", "b", "c")


def test_identity_endpoints_default_to_microsofts_and_can_be_pointed_elsewhere() -> None:
    settings = Settings.from_env(PRODUCTION, env_file=None)
    assert settings.openid_metadata_url.startswith("https://login.botframework.com/")
    assert settings.token_url == (
        "https://login.microsoftonline.com/22222222-0000-0000-0000-000000000002/oauth2/v2.0/token"
    )
    multi = Settings.from_env({**PRODUCTION, "APP_TYPE": "MultiTenant"}, env_file=None)
    assert "/botframework.com/oauth2/v2.0/token" in multi.token_url
    local_idp = Settings.from_env(
        {
            **PRODUCTION,
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": "http://127.0.0.1:8000/openid",
            "TO_CHANNEL_FROM_BOT_LOGIN_URL": "http://localhost:8000/tenant/",
        },
        env_file=None,
    )
    assert local_idp.openid_metadata_url == "http://127.0.0.1:8000/openid"
    assert local_idp.token_url == "http://localhost:8000/tenant/oauth2/v2.0/token"


@pytest.mark.parametrize(
    "url", ["http://login.example.org/openid", "ftp://127.0.0.1/x", "not a url"]
)
def test_identity_endpoints_must_be_https_off_loopback(url: str) -> None:
    with pytest.raises(SettingsError, match="TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"):
        Settings.from_env(
            {**PRODUCTION, "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": url}, env_file=None
        )


def test_library_logging_is_off_unless_asked_for() -> None:
    assert Settings.from_env(PRODUCTION, env_file=None).log_libraries is False
    on = Settings.from_env({**PRODUCTION, "LOG_LIBRARIES": "yes"}, env_file=None)
    assert on.log_libraries is True
    with pytest.raises(SettingsError, match="LOG_LIBRARIES"):
        Settings.from_env({**PRODUCTION, "LOG_LIBRARIES": "loud"}, env_file=None)


def test_managed_identity_is_not_offered() -> None:
    with pytest.raises(SettingsError, match="APP_TYPE"):
        Settings.from_env({**PRODUCTION, "APP_TYPE": "UserAssignedMSI"}, env_file=None)


def test_a_model_built_directly_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only ``from_env`` reads the environment: the tests' and benchmarks' settings are what
    they say."""
    monkeypatch.setenv("PORT", "5000")
    monkeypatch.setenv("APP_PASSWORD", "from-the-environment")
    built = Settings(app_password="given")
    assert built.port == 3978
    assert built.app_password.get_secret_value() == "given"
    assert Settings.from_env(None, env_file=None, require_credentials=False).port == 5000


def test_secrets_stay_out_of_errors() -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({**PRODUCTION, "PORT": "s3cret-value"}, env_file=None)
    assert "s3cret-value" not in str(error.value)
