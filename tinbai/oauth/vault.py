"""The stored OAuth login of each mailbox: ``DATA_DIR/oauth/NAME.token``, encrypted.

Why encrypted: the refresh token opens the whole mailbox for months; a copy of the data
folder (a backup on a shared drive) must not be enough to read it. The key comes from
the environment (``oauth.key_env``, a Fernet key: AES-128-CBC + HMAC-SHA256), never from
config.yaml. The file is written atomically and readable by its owner only.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from ingest.sources.oauth import TokenRecord
from store.files import write_atomically
from tinbai.config import Config, ConfigError
from tinbai.platform import restrict_to_owner

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


class VaultError(ConfigError):
    """The key is missing or wrong, or the token file cannot be read."""


def new_key() -> str:
    """A new random Fernet key (url-safe base64 of 32 bytes), for ``tinbai init``."""
    return Fernet.generate_key().decode("ascii")


def token_path(config: Config, mailbox: str) -> Path:
    """Where the login of ``mailbox`` is kept."""
    return config.data_path / "oauth" / f"{_SAFE_NAME.sub('_', mailbox)}.token"


def _fernet(config: Config) -> Fernet:
    name = config.oauth.key_env
    value = os.environ.get(name, "").strip()
    if not value:
        raise VaultError(
            f"oauth.key_env names the environment variable {name}, which is not set: it "
            f"holds the key that encrypts the stored OAuth logins. Make one with "
            f"`tinbai init` or: python -c \"from cryptography.fernet import Fernet; "
            f"print(Fernet.generate_key().decode())\", then export {name}='…'"
        )
    try:
        return Fernet(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise VaultError(
            f"{name} is not a Fernet key (44 characters of url-safe base64)"
        ) from exc


def check_key(config: Config) -> None:
    """VaultError now when the key is missing or malformed."""
    _fernet(config)


def load(config: Config, mailbox: str) -> TokenRecord | None:
    """The stored login of ``mailbox`` (None when nobody has logged in yet)."""
    path = token_path(config, mailbox)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise VaultError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(_fernet(config).decrypt(blob))
    except InvalidToken as exc:
        raise VaultError(
            f"{path} cannot be decrypted with {config.oauth.key_env}: the key changed since "
            f"the login; set the old key or log in again: tinbai auth login {mailbox}"
        ) from exc
    return TokenRecord.from_json(data)


def save(config: Config, mailbox: str, record: TokenRecord) -> Path:
    """Encrypt and write the login atomically (temporary file, fsync, rename), mode 0600."""
    path = token_path(config, mailbox)
    path.parent.mkdir(parents=True, exist_ok=True)
    restrict_to_owner(path.parent, folder=True)
    blob = _fernet(config).encrypt(json.dumps(record.to_json()).encode())
    write_atomically(path, blob, prepare=restrict_to_owner)
    restrict_to_owner(path)
    return path
