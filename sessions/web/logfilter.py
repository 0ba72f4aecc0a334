"""Keep secrets out of the logs: tokens in request lines are replaced before anything is written."""

from __future__ import annotations

import logging
import re

_SECRET_QUERY = re.compile(r"((?:^|[?&;])(?:token|interviewerToken)=)[^&;\s\"]*", re.IGNORECASE)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """Replace the value of every ``token=`` query parameter in ``text``."""
    return _SECRET_QUERY.sub(r"\1" + REDACTED, text)


class RedactTokens(logging.Filter):
    """A filter for ``aiohttp.access``: the request line it logs includes the query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = redact(record.getMessage())
            record.args = None
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True
