"""schemathesis hooks for this API, named by ``tests/schemathesis.toml``.

* A response that switches to the WebSocket protocol (101) closes its connection: ``requests``
  would put the connection back in its pool and send the next HTTP request into the socket.
* Every other generated case that names a session (outside the stateful phase, whose links
  name their own, and unless the path itself is the negative part) is aimed at a real session
  with its interviewer token, so that fuzzed bodies and queries reach the code behind the 404
  and the 401. Not a DELETE: the check below would find the session gone (404) on its second
  try. The token is given as an auth provider's, so schemathesis knows it is a real
  credential: its ``ignored_auth`` check then sends the request again without it and with a
  wrong one, and expects 401 and 403.
"""

from __future__ import annotations

import http.client
import itertools
from typing import Any

import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase

_begin = http.client.HTTPResponse.begin


def _begin_closing_after_upgrade(self: http.client.HTTPResponse) -> None:
    _begin(self)
    if self.status == http.client.SWITCHING_PROTOCOLS:
        self.will_close = True  # the connection now speaks WebSocket: never reuse it for HTTP


http.client.HTTPResponse.begin = _begin_closing_after_upgrade  # type: ignore[method-assign]
_turns = itertools.count()


@schemathesis.auth(refresh_interval=None)
class RealSession:
    """A new session, with its interviewer token, for every other case that names one."""

    def get(self, case: schemathesis.Case[Any], context: Any) -> dict[str, str] | None:
        meta = case.meta
        if "session_id" not in (case.path_parameters or {}) or meta is None:
            return None
        if meta.phase.name == TestPhase.STATEFUL or meta.is_negative_at(ParameterLocation.PATH):
            return None
        if case.method.upper() == "DELETE":
            return None
        if next(_turns) % 2:
            return None
        base = case.operation.schema.get_base_url().rstrip("/")
        response = requests.post(f"{base}/api/sessions", json={"code": "x = 1"}, timeout=5)
        if response.status_code != 201:  # a server's creation limit (429, 503): as generated
            return None
        created: dict[str, str] = response.json()
        return created

    def set(self, case: schemathesis.Case[Any], data: dict[str, str], context: Any) -> None:
        case.path_parameters = {**case.path_parameters, "session_id": data["id"]}
        case.headers["Authorization"] = f"Bearer {data['interviewerToken']}"
