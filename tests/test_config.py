"""config.yaml loading: defaults, clear errors, secrets from the environment only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinbai.config import Config, ConfigError, load_config, secret

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_yaml_is_valid_and_documents_the_defaults() -> None:
    config = load_config(ROOT / "config.yaml")
    defaults = Config()
    assert config.replies == defaults.replies
    assert config.limits == defaults.limits
    assert config.polling == defaults.polling
    assert config.validation == defaults.validation
    assert config.web == defaults.web


def test_contract_keys_alone_are_enough(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
mailboxes:
  - name: editorial
    url: imaps://toasoan%40congdoan.example.vn@imap.gmail.com/INBOX
    password_env: TINBAI_IMAP_PASSWORD
smtp:
  url: smtp://smtp.gmail.com:587?starttls=1
  password_env: TINBAI_SMTP_PASSWORD
  from: "Ban Biên tập <toasoan@congdoan.example.vn>"
data_dir: ./var
""",
    )
    config = load_config(path)
    assert config.mailboxes[0].name == "editorial"
    assert config.smtp.from_ == "Ban Biên tập <toasoan@congdoan.example.vn>"
    # Relative paths are relative to the config file's folder (SPEC §7).
    assert config.data_path == (tmp_path / "var").resolve()


def test_unknown_key_names_the_key_and_suggests_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "smtp:\n  urll: maildir:out\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert "smtp.urll" in text
    assert "did you mean 'url'" in text


def test_unknown_key_inside_a_list_item(tmp_path: Path) -> None:
    path = write(tmp_path, "mailboxes:\n  - name: a\n    url: maildir:x\n    pasword_env: X\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "mailboxes.0.pasword_env" in str(info.value)
    assert "password_env" in str(info.value)


def test_missing_password_variable_names_the_key_and_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TINBAI_TEST_UNSET", raising=False)
    with pytest.raises(ConfigError) as info:
        secret("TINBAI_TEST_UNSET", "mailboxes[editorial].password_env")
    assert "mailboxes[editorial].password_env" in str(info.value)
    assert "export TINBAI_TEST_UNSET=" in str(info.value)
    monkeypatch.setenv("TINBAI_TEST_UNSET", "s3cret")
    assert secret("TINBAI_TEST_UNSET", "x") == "s3cret"


def test_invalid_yaml_and_wrong_types_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "mailboxes: [\n"))
    with pytest.raises(ConfigError, match=r"polling\.interval_seconds"):
        load_config(write(tmp_path, "polling:\n  interval_seconds: soon\n"))


def test_unit_with_undeclared_kind_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "unit_kinds:\n  co_so: {label: CĐCS}\nunits:\n  - {name: A, kind: xa}\n",
    )
    with pytest.raises(ConfigError, match=r"not declared in unit_kinds"):
        load_config(path)


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "nope.yaml")
