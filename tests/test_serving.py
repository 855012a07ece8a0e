"""What `handover serve` decides before it listens (app/serving.py)."""

import pytest
from cryptography.fernet import Fernet

from app.serving import development_warning, is_loopback
from app.settings import Settings


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_addresses_are_served_in_development_mode(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.168.1.5", "handover.example.com"])  # noqa: S104
def test_other_addresses_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_the_development_warning_says_what_is_not_protected() -> None:
    default = development_warning(Settings(database_url="sqlite://"))
    assert "CRM and webhook secrets stored in the database are NOT protected" in default
    own_key = Settings(
        database_url="sqlite://", webhook_encryption_key=Fernet.generate_key().decode()
    )
    assert "cursors and share pages" in development_warning(own_key)
    own_secret = Settings(database_url="sqlite://", secret_key="x" * 40)
    assert "production's checks" in development_warning(own_secret)
