"""A deployment's HTTP API as the command uses it: JSON requests with an admin key, and uploads to storage forms."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import quote

DEV_URL = "http://127.0.0.1:8000"  # make dev's default port (devserver/devconfig.py)
DEV_KEY_FILE = os.path.join(".wxbase-data", "admin-key")  # make dev writes its admin key here
TIMEOUT = 60


class CliError(Exception):
    """A failure the command reports in one line and exits on."""


def admin_key(given: str | None) -> str:
    """--admin-key, else $WXBASE_ADMIN_KEY, else make dev's key file in the current directory."""
    if given:
        return given
    if os.environ.get("WXBASE_ADMIN_KEY"):
        return os.environ["WXBASE_ADMIN_KEY"]
    try:
        with open(DEV_KEY_FILE, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        raise CliError(f"no admin key: pass --admin-key, set WXBASE_ADMIN_KEY or run make dev here "
                       f"({DEV_KEY_FILE})") from None


class Deployment:
    def __init__(self, url: str, key: str) -> None:
        self.url, self._key = url.rstrip("/"), key

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Authorization": self._key, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            raise CliError(f"{method} {path}: {exc.code} {_message(exc.read())}") from None
        except urllib.error.URLError as exc:
            raise CliError(f"cannot reach {self.url}: {exc.reason}") from None
        return json.loads(text) if text else None

    def collection(self, name: str) -> dict[str, Any]:
        return self.request("GET", f"/api/collections/{quote(name, safe='')}")

    def records(self, collection: str, per_page: int = 500):
        """Every record of a collection, oldest first, page by page."""
        page = 1
        while True:
            answer = self.request("GET", f"/api/collections/{quote(collection, safe='')}/records"
                                         f"?page={page}&perPage={per_page}&sort=created,id&skipTotal=1")
            yield from answer["items"]
            if len(answer["items"]) < per_page:
                return
            page += 1

    def download(self, url: str) -> str:
        """A presigned storage link's text (an export)."""
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
                return response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            raise CliError(f"download refused: {exc.code}") from None

    def upload(self, form: dict[str, Any], content: bytes) -> None:
        """POST a file to a presigned storage form (the fields, then the file, as S3 requires)."""
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in form["fields"].items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="file"\r\n'
                     f'Content-Type: {form["fields"].get("Content-Type", "application/octet-stream")}\r\n\r\n'.encode())
        body = b"".join(parts) + content + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(form["url"], data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT):
                pass
        except urllib.error.HTTPError as exc:
            raise CliError(f"upload refused: {exc.code} {exc.read()[:200]!r}") from None


def _message(body: bytes) -> str:
    try:
        answer = json.loads(body)
    except ValueError:
        return body[:200].decode(errors="replace")
    fields = "; ".join(f"{k}: {v.get('message')}" for k, v in (answer.get("data") or {}).items()
                       if isinstance(v, dict))
    return answer.get("message", "") + (f" ({fields})" if fields else "")
