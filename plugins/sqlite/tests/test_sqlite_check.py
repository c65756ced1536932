"""Connecting: auth resolves the path and opens an existing file; check probes it."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest

from hookline.errors import AuthError
from hookline.models import ConnectorContext

if TYPE_CHECKING:
    from conftest import Sqlite


def test_auth_resolves_the_path_against_the_config_folder(db: Sqlite) -> None:
    connection = db.auth()
    assert connection.path == db.path
    assert connection.path.is_absolute()
    assert not db.path.parent.exists()  # nothing is created before the first write


def test_auth_keeps_an_absolute_path(db: Sqlite) -> None:
    config = db.config(path=str(db.path))
    connection = db.connector.auth(config, ConnectorContext(base_dir="/nowhere"))
    assert connection.path == db.path
    db.connector.close(connection)


def test_a_directory_is_not_a_database(db: Sqlite) -> None:
    (db.root / "folder").mkdir()
    with pytest.raises(AuthError, match="is a directory"):
        db.auth(db.config(path="folder"))


def test_a_file_that_is_not_a_database_fails_auth(db: Sqlite) -> None:
    (db.root / "notes.db").write_text("these are not the pages you are looking for\n" * 100)
    with pytest.raises(AuthError) as caught:
        db.auth(db.config(path="notes.db"))
    message = str(caught.value)
    assert str(db.root / "notes.db") in message
    assert "not a database" in message


def test_check_a_missing_file_that_can_be_created(db: Sqlite) -> None:
    config = db.config()
    result = db.connector.check(config, db.auth(config))
    assert result.ok, result.message
    assert "will be created" in result.message
    assert not db.path.parent.exists()


def test_check_an_existing_database(db: Sqlite) -> None:
    db.path.parent.mkdir()
    with sqlite3.connect(db.path) as other:
        other.execute("CREATE TABLE a (x)")
        other.execute("CREATE TABLE b (x)")
    config = db.config()
    result = db.connector.check(config, db.auth(config))
    assert result.ok, result.message
    assert "2 table(s)" in result.message


def test_check_fails_under_a_file(db: Sqlite) -> None:
    (db.root / "plain").write_text("x")
    config = db.config(path="plain/inner/x.db")
    result = db.connector.check(config, db.auth(config))
    assert not result.ok
    assert "is not a directory" in result.message


def test_synchronous_setting_reaches_sqlite(db: Sqlite) -> None:
    default = db.auth(db.config())
    normal = db.auth(db.config(synchronous="normal"))
    full = db.auth(db.config(synchronous="full"))
    # PRAGMA synchronous: 1 is NORMAL, 2 is FULL.
    assert default.writer().execute("PRAGMA synchronous").fetchone() == (2,)
    assert normal.writer().execute("PRAGMA synchronous").fetchone() == (1,)
    assert full.writer().execute("PRAGMA synchronous").fetchone() == (2,)
    assert normal.writer().execute("PRAGMA journal_mode").fetchone() == ("wal",)
