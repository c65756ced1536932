"""Connecting: auth resolves the directory, check probes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from hookline.errors import AuthError
from hookline.models import ConnectorContext

if TYPE_CHECKING:
    from conftest import Files


def test_auth_resolves_the_directory_against_the_config_folder(files: Files) -> None:
    config = files.config(directory="data")
    connection = files.connector.auth(config, ConnectorContext(base_dir=files.root))
    assert connection.directory == files.data
    assert connection.directory.is_absolute()


def test_auth_keeps_an_absolute_directory(files: Files) -> None:
    config = files.config(directory=str(files.data))
    connection = files.connector.auth(config, ConnectorContext(base_dir="/nowhere"))
    assert connection.directory == files.data


def test_missing_source_directory_is_an_auth_error(files: Files) -> None:
    config = files.config(directory="missing", streams=[{"name": "a", "path": "*.jsonl"}])
    with pytest.raises(AuthError) as caught:
        files.auth(config)
    message = str(caught.value)
    assert str(files.root / "missing") in message
    assert "does not exist" in message


def test_a_file_is_not_a_directory(files: Files) -> None:
    (files.root / "plain").write_text("x")
    with pytest.raises(AuthError, match="is a file, not a directory"):
        files.auth(files.config(directory="plain"))


def test_check_passes_when_every_glob_matches(files: Files) -> None:
    files.write_lines("orders/1.jsonl", [{"id": 1}])
    files.write_text("people.csv", "id\n1\n")
    config = files.config(
        streams=[
            {"name": "orders", "path": "orders/*.jsonl"},
            {"name": "people", "path": "people.csv"},
        ]
    )
    result = files.connector.check(config, files.auth(config))
    assert result.ok, result.message
    assert "orders: 1" in result.message


def test_check_names_the_stream_whose_glob_matches_nothing(files: Files) -> None:
    files.write_lines("orders/1.jsonl", [{"id": 1}])
    config = files.config(
        streams=[
            {"name": "orders", "path": "orders/*.jsonl"},
            {"name": "refunds", "path": "refunds/*.jsonl"},
        ]
    )
    result = files.connector.check(config, files.auth(config))
    assert not result.ok
    assert "stream 'refunds' matches no files with 'refunds/*.jsonl'" in result.message
    assert "orders" not in result.message


def test_check_ignores_hidden_files(files: Files) -> None:
    files.write_lines("orders/.orders.jsonl.1a2b.tmp.jsonl", [{"id": 1}])
    config = files.config(streams=[{"name": "orders", "path": "orders/*.jsonl"}])
    assert not files.connector.check(config, files.auth(config)).ok


def test_destination_check_probes_the_directory(files: Files) -> None:
    config = files.config()
    result = files.connector.check(config, files.auth(config))
    assert result.ok, result.message
    assert "writable" in result.message
    assert list(files.data.iterdir()) == []  # the probe leaves nothing behind


def test_destination_directory_may_be_created_later(files: Files) -> None:
    config = files.config(directory="out/new")
    result = files.connector.check(config, files.auth(config))
    assert result.ok, result.message
    assert "will be created" in result.message
    assert not (files.root / "out").exists()


def test_destination_under_a_file_fails_the_check(files: Files) -> None:
    (files.root / "plain").write_text("x")
    config = files.config(directory="plain/out")
    result = files.connector.check(config, files.auth(config))
    assert not result.ok
    assert "is not a directory" in result.message
