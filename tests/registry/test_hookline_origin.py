"""Which hookline `registry validate` installs by default: where this one came from.

pip records where it installed a distribution from in ``direct_url.json`` (PEP 610): a
directory (``pip install ./sdk``), a wheel or archive, or a VCS URL. Until hookline is on a
package index, that origin is the only place a fresh environment can get it from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hookline.registry._validate import default_hookline_requirement, requirement_from_direct_url


def _record(url: str, **info: object) -> str:
    return json.dumps({"url": url, **info})


def test_a_local_directory_or_wheel_that_is_still_there(tmp_path: Path) -> None:
    sdk = tmp_path / "hookline checkout" / "sdk"
    sdk.mkdir(parents=True)
    wheel = tmp_path / "hookline-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    assert requirement_from_direct_url(_record(sdk.as_uri(), dir_info={})) == str(sdk)
    archive = _record(wheel.as_uri(), archive_info={"hashes": {"sha256": "0" * 64}})
    assert requirement_from_direct_url(archive) == str(wheel)


def test_a_local_origin_that_is_gone_gives_nothing(tmp_path: Path) -> None:
    gone = tmp_path / "gone" / "sdk"
    assert requirement_from_direct_url(_record(gone.as_uri(), dir_info={})) is None


@pytest.mark.parametrize(
    ("record", "requirement"),
    [
        (
            _record(
                "https://example.org/hookline.git",
                vcs_info={"vcs": "git", "commit_id": "a" * 40},
            ),
            "hookline @ git+https://example.org/hookline.git@" + "a" * 40,
        ),
        (
            _record("https://example.org/hookline-0.1.0.tar.gz", archive_info={}),
            "hookline @ https://example.org/hookline-0.1.0.tar.gz",
        ),
    ],
    ids=["vcs", "remote-archive"],
)
def test_a_remote_origin_is_named_as_pip_takes_it(record: str, requirement: str) -> None:
    assert requirement_from_direct_url(record) == requirement


@pytest.mark.parametrize("text", [None, "", "not json", "[]", '{"dir_info": {}}', '{"url": 3}'])
def test_no_usable_record_gives_nothing(text: str | None) -> None:
    assert requirement_from_direct_url(text) is None


def test_from_this_checkout_the_default_is_its_sdk() -> None:
    sdk = Path(__file__).resolve().parents[2] / "sdk"
    assert default_hookline_requirement() == str(sdk)
