"""A fake transport for unit tests: scripted answers per prospect id, requests recorded."""

from __future__ import annotations

import io
import json
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPResponse

from knock_data import KnockClient, RetryPolicy

BASE = "https://knock.test"
KEY = "unit-test-SECRET-key"
FAST = RetryPolicy(backoff=0.001, max_backoff=0.002, max_retry_after=0.01)
NOT_FOUND = {"errorCode": "CORE_API_GET_PROSPECT_FAIL", "errorMessage": "Prospect_id 9 missing"}
Reply = tuple[int, Any, dict[str, str]] | Exception


def prospect(pid: str) -> dict[str, Any]:
    return {"prospectId": pid, "status": "new", "email": f"p{pid}@example.com"}


class FakeAdapter(BaseAdapter):
    """Answers from a script: ``replies[pid]`` is a list of replies, the last one repeats."""

    def __init__(self, replies: Callable[[str, int], Reply]) -> None:
        super().__init__()
        self.replies = replies
        self.calls: dict[str, int] = defaultdict(int)
        self.headers_seen: list[dict[str, str]] = []
        self.urls_seen: list[str] = []
        self._lock = threading.Lock()

    def reply_for(self, request: requests.PreparedRequest, pid: str, attempt: int) -> Reply:
        """The scripted reply (a subclass may look at the request too)."""
        return self.replies(pid, attempt)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        pid = (request.url or "").rsplit("/", 1)[-1]
        with self._lock:
            attempt = self.calls[pid]
            self.calls[pid] += 1
            self.headers_seen.append(dict(request.headers))
            self.urls_seen.append(request.url or "")
        reply = self.reply_for(request, pid, attempt)
        if isinstance(reply, Exception):
            raise reply
        status, body, headers = reply
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **headers}
        response = requests.Response()
        response.status_code = status
        response._content = content
        response.headers = CaseInsensitiveDict(all_headers)
        response.raw = HTTPResponse(
            body=io.BytesIO(content),
            headers=all_headers,
            status=status,
            preload_content=False,
            request_url=request.url,
        )
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def make_client(adapter: FakeAdapter, **kwargs: Any) -> KnockClient:
    session = requests.Session()
    session.mount(BASE, adapter)
    kwargs.setdefault("retry", FAST)
    return KnockClient(KEY, base_url=BASE, session=session, **kwargs)


def always(reply: Reply) -> Callable[[str, int], Reply]:
    return lambda pid, attempt: reply
