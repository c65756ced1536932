"""Credentials a service hands out during a run and the next run needs: rotated tokens.

An OAuth2 token endpoint that rotates refresh tokens issues a new one with each access
token and refuses the old one from then on. Kept in memory only, the new token dies with
the process, and the next run presents the configured one, spent by now. A
:class:`RefreshTokenStore` keeps the latest in a file, written before the token is used,
so the next process goes on with it.

Layout: one JSON file per credential in a folder (a connector puts it in ``.hookline/
credentials/`` next to its configuration file)::

    .hookline/credentials/oauth2-refresh-3f1c...e9.json   (mode 0600, folder 0700)
    .hookline/credentials/.gitignore                      (*: nothing here is committed)
    {"format": 1, "token_url": "https://auth.example.com/token", "client_id": "shop",
     "refresh_token": "...", "saved_at": "2026-03-01T10:00:00Z"}

The file name is a SHA-256 digest of the token URL, the client id and the refresh token
configured, so each configured credential has its own file and putting a new refresh
token in the configuration starts afresh (the old file is then unused). Files are written
whole, atomically: a temporary file in the same folder, flushed to disk, then renamed
over the old one, so a crash leaves the old token or the new one, never half of one.

Every token read or written is registered with :mod:`hookline.secrets`, so it is masked
in every output; no message names a token, only the file.
"""

from __future__ import annotations

__all__ = ["RefreshTokenStore", "credentials_folder"]

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path

from hookline.errors import AuthError
from hookline.secrets import redact, register_secret

_FORMAT = 1


def credentials_folder(base_dir: Path | str) -> Path:
    """Return the folder credentials of a configuration in ``base_dir`` are kept in."""
    return Path(base_dir) / ".hookline" / "credentials"


class RefreshTokenStore:
    """Keeps the latest refresh token of one configured OAuth2 credential in a file.

    Args:
        folder: where the file goes (created on the first save, mode 0700).
        token_url: the token endpoint.
        client_id: the client id, if any.
        configured: the refresh token as configured; it keys the file, never stored.
    """

    def __init__(
        self, folder: Path | str, *, token_url: str, client_id: str | None, configured: str
    ) -> None:
        self.folder = Path(folder)
        self.token_url = token_url
        self.client_id = client_id
        identity = json.dumps([token_url, client_id or "", configured])
        digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
        #: The file the token is kept in.
        self.path = self.folder / f"oauth2-refresh-{digest}.json"

    def load(self) -> str | None:
        """Return the stored refresh token, or ``None`` when none was stored yet.

        Raises:
            AuthError: the file exists but cannot be read or is damaged (the message names it).
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):  # nothing stored (yet)
            return None
        except OSError as exc:
            raise self._error(f"cannot be read ({exc.strerror or exc})") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise self._error("is damaged (not JSON)") from None
        token = data.get("refresh_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise self._error("is damaged (no refresh_token in it)")
        register_secret(token)
        return token

    def save(self, token: str) -> None:
        """Store ``token`` in place of the one stored, atomically (see the module).

        Raises:
            AuthError: the folder or the file cannot be written (the message names it).
        """
        register_secret(token)
        data = {
            "format": _FORMAT,
            "token_url": redact(self.token_url),
            "client_id": self.client_id,
            "refresh_token": token,
            "saved_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            _keep_out_of_git(self.folder)
            handle, temporary = tempfile.mkstemp(
                prefix=".oauth2-refresh-", suffix=".tmp", dir=self.folder
            )
        except OSError as exc:
            raise self._error(f"cannot be written ({exc.strerror or exc})", saving=True) from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:  # mkstemp: mode 0600
                json.dump(data, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
            _sync_folder(self.folder)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise self._error(f"cannot be written ({exc.strerror or exc})", saving=True) from None

    def _error(self, what: str, *, saving: bool = False) -> AuthError:
        if saving:
            then = (
                "the endpoint rotated the refresh token, and the next run would present the "
                "spent one: make the folder writable"
            )
        else:
            then = (
                "delete it to start again from the configured refresh token (if the endpoint "
                "spent that one, put a new one in the configuration)"
            )
        return AuthError(f"the stored refresh token {self.path} {what}; {then}")


def _keep_out_of_git(folder: Path) -> None:
    """Put a ``.gitignore`` ignoring everything in ``folder``, unless one is there."""
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Credentials hookline keeps between runs: never commit them.\n*\n")


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry of a renamed file to disk, where the system allows it."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; its rename is durable enough
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
