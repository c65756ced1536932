"""Computed fields land in columns of their type: ``split(email, '@')[1]`` is text.

The mapping reference's own example: a field computed by indexing what ``split`` returns
is a string (or null), so SQLite stores ``example.com`` in a TEXT column, not the JSON
text ``"example.com"`` (quotes included) in a JSON column.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from hookline.cli import main


def test_a_computed_string_is_stored_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    people = [{"id": 1, "email": "ann@example.com"}, {"id": 2, "email": "bo@shop.test"}]
    (data / "people.jsonl").write_text("".join(json.dumps(p) + "\n" for p in people))
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        json.dumps(
            {
                "source": {
                    "connector": "files",
                    "config": {
                        "directory": "data",
                        "streams": [
                            {"name": "people", "path": "people.jsonl", "primary_key": "id"}
                        ],
                    },
                },
                "destination": {"connector": "sqlite", "config": {"path": "out.db"}},
                "streams": {
                    "people": {
                        "map": {
                            "compute": {
                                "email_domain": "split(email, '@')[1]",
                                "first_part": "split(email, '.')[0]",
                            }
                        }
                    }
                },
            }
        )
    )
    assert main(["run", str(pipeline), "--json"]) == 0, capsys.readouterr().err
    with sqlite3.connect(tmp_path / "out.db") as connection:
        columns = {row[1]: row[2] for row in connection.execute("PRAGMA table_info(people)")}
        rows = connection.execute(
            "SELECT email_domain, typeof(email_domain), first_part FROM people ORDER BY id"
        ).fetchall()
    assert columns["email_domain"] == "TEXT" and columns["first_part"] == "TEXT"
    assert rows == [("example.com", "text", "ann@example"), ("shop.test", "text", "bo@shop")]
