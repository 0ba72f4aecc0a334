"""Domain errors: every rejected input is one of these, with a stable kebab-case ``code``.

The tree::

    DomainError                      code            HTTP
    ├── BadRequest                   bad-request     400
    │   ├── InvalidJson              invalid-json    400
    │   ├── InvalidMessage           invalid-message 400
    │   ├── UnknownMessageType       unknown-type    400
    │   ├── UnknownLanguage          unknown-language 400
    │   ├── InvalidOperation         invalid-operation 400
    │   ├── InvalidRevision          invalid-revision 400
    │   ├── BinaryNotSupported       binary-not-supported 400
    │   ├── MessageNotFound          message-not-found 400
    │   ├── LanguageNotRunnable      language-not-runnable 400
    │   ├── InvalidBoardElement      invalid-board-element 400
    │   └── InvalidSignal            invalid-signal  400
    ├── RevisionTooOld               revision-too-old 409
    ├── NotJoined                    not-joined      409
    ├── Unauthorized                 unauthorized    401
    ├── Forbidden                    forbidden       403
    ├── SessionNotFound              session-not-found 404
    │   └── WrongShard               wrong-shard     404
    ├── RevisionNotFound             revision-not-found 404
    ├── SessionFull                  session-full    409
    ├── SessionEnded                 session-ended   409
    ├── RunInProgress                run-in-progress 409
    ├── BoardVersionRegression       board-version-regression 409
    ├── BoardFull                    board-full      409
    ├── ExecDisabled                 exec-disabled   403
    ├── InternalError                internal-error  500
    ├── PayloadTooLarge              payload-too-large 413
    ├── UnsupportedMediaType         unsupported-media-type 415
    ├── NotInCall                    not-in-call     409
    ├── CallFull                     call-full       409
    ├── RateLimited                  rate-limited    429
    └── Capacity                     capacity        503

Over the socket an error becomes ``{"type":"error","code":<code>,"message":...}`` and the
socket stays open. Over HTTP the status decides the code of the JSON body (``not-found``,
``bad-request``, ...), as ``http_code`` says, and ``message`` carries the detail.
"""

from __future__ import annotations

from typing import Any, ClassVar

HTTP_CODES: dict[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
    500: "internal-error",
    503: "capacity",
}


class DomainError(Exception):
    """Base of every error a client can cause. ``code`` is stable; ``message`` is for people."""

    code: ClassVar[str] = "bad-request"
    status: ClassVar[int] = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    @property
    def http_code(self) -> str:
        """The code used in REST error bodies: named after the HTTP status."""
        return HTTP_CODES.get(self.status, self.code)


class BadRequest(DomainError):
    """A request or frame is malformed: wrong type, missing field, bad value."""


class InvalidJson(BadRequest):
    """The frame or body is not valid JSON."""

    code = "invalid-json"


class InvalidMessage(BadRequest):
    """The frame is JSON but not a valid message (not an object, missing or mistyped field)."""

    code = "invalid-message"


class UnknownMessageType(BadRequest):
    """The frame's ``type`` is not one the server knows."""

    code = "unknown-type"


class UnknownLanguage(BadRequest):
    """The language is not in the supported list."""

    code = "unknown-language"


class InvalidOperation(BadRequest):
    """A text operation is malformed or does not span the document it applies to."""

    code = "invalid-operation"


class InvalidRevision(BadRequest):
    """A revision is ahead of the server's: the client cannot have seen it."""

    code = "invalid-revision"


class BinaryNotSupported(BadRequest):
    """A binary WebSocket frame arrived; the protocol is JSON text frames only."""

    code = "binary-not-supported"


class RevisionTooOld(DomainError):
    """The base revision is older than the op log reaches; the client must resync.

    ``extra["revision"]`` carries the current revision.
    """

    code = "revision-too-old"
    status = 409


class NotJoined(DomainError):
    """A session action arrived on a socket that has not joined a session."""

    code = "not-joined"
    status = 409


class Unauthorized(DomainError):
    """A credential is required and none was given."""

    code = "unauthorized"
    status = 401


class Forbidden(DomainError):
    """The credential is wrong, or the role may not perform the action."""

    code = "forbidden"
    status = 403


class SessionNotFound(DomainError):
    """No session has that id (never existed, deleted, or expired)."""

    code = "session-not-found"
    status = 404


class RevisionNotFound(DomainError):
    """A replay asked for a revision the session has not reached yet."""

    code = "revision-not-found"
    status = 404


class WrongShard(SessionNotFound):
    """The session id names another worker of the cluster (``--shard``): this one never holds
    it. ``url`` is where to join it, which the proxy routes to that worker."""

    code = "wrong-shard"


class SessionFull(DomainError):
    """The session already has as many candidates as its ``maxCandidates`` allows."""

    code = "session-full"
    status = 409


class SessionEnded(DomainError):
    """The session was ended: it is read-only until it expires."""

    code = "session-ended"
    status = 409


class MessageNotFound(BadRequest):
    """A chat message refers (``replyTo``) to a message that is not in the history."""

    code = "message-not-found"


class PayloadTooLarge(DomainError):
    """A body, frame or field is over its configured size limit."""

    code = "payload-too-large"
    status = 413


class UnsupportedMediaType(DomainError):
    """A request body is not ``application/json``."""

    code = "unsupported-media-type"
    status = 415


class RateLimited(DomainError):
    """A client sends faster than its limit: frames per socket, sessions or sockets per address.

    ``retry_after`` (seconds, or None) becomes the ``Retry-After`` header over HTTP.
    """

    code = "rate-limited"
    status = 429

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Capacity(DomainError):
    """The server or a session is full (``--max-sessions``, ``--max-sockets-per-session``)."""

    code = "capacity"
    status = 503


class InternalError(DomainError):
    """A bug in the server, never the client's doing: logged with its traceback."""

    code = "internal-error"
    status = 500


class RunInProgress(DomainError):
    """A ``run-code`` while this session's run is still queued or running.

    ``extra["runId"]`` names the run in progress.
    """

    code = "run-in-progress"
    status = 409


class ExecDisabled(DomainError):
    """A ``run-code`` on a server started without ``--enable-exec``."""

    code = "exec-disabled"
    status = 403


class LanguageNotRunnable(BadRequest):
    """A ``run-code`` for a session whose language this server cannot run.

    ``extra["language"]`` names it; ``GET /api/languages`` says which ones run.
    """

    code = "language-not-runnable"


class InvalidBoardElement(BadRequest):
    """A whiteboard element is malformed, of a type the board does not take (images, embeds),
    or larger than ``--board-max-element-bytes``. ``extra["elementId"]`` names it when it has
    a readable id."""

    code = "invalid-board-element"


class BoardVersionRegression(DomainError):
    """A whiteboard element came back with a lower ``version`` than the one its own author
    last stored: a client never lowers its own versions, so the frame is refused.
    ``extra["elements"]`` holds the server's copies, to reconcile with."""

    code = "board-version-regression"
    status = 409


class BoardFull(DomainError):
    """The whiteboard would pass ``--board-max-elements`` live elements or
    ``--board-max-bytes``; nothing of the frame is applied."""

    code = "board-full"


class InvalidSignal(BadRequest):
    """A call's session description or ICE candidate is malformed: too long, not the shape
    of SDP or of a candidate line (:mod:`sessions.protocol.signalling`). ``field`` names it."""

    code = "invalid-signal"


class NotInCall(DomainError):
    """A call frame from a member who is not in the session's call, or addressed to someone
    who is not in it (never in another session: a call is one session's)."""

    code = "not-in-call"
    status = 409


class CallFull(DomainError):
    """The call already has ``--call-max-participants`` people (a full mesh)."""

    code = "call-full"
    status = 409
