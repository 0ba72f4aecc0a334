"""Who may do what: the permission table, in one place.

=================  ===========  =========  ========
action             interviewer  candidate  observer
=================  ===========  =========  ========
edit-code          yes          yes        no
change-language    yes          yes        no
set-problem        yes          no         no
chat               yes          yes        yes
write-note         yes          no         yes
read-notes         yes          no         yes
run-code           yes          yes        no
end-session        yes          no         no
remove-user        yes          no         no
set-timer          yes          no         no
send-signals       no           yes        no
read-signals       yes          no         yes
draw               yes          yes        no
join-call          yes          yes        yes
send-media         yes          yes        no
=================  ===========  =========  ========

Observers shadow the interview: they see everything the interviewer sees, may chat and
write private notes, and never touch the code; in a call they listen and watch only (their
offers and answers may not send media, :mod:`sessions.room.call`). Signals (focus loss,
pastes) come from the candidate's page and go to those who may read them, never back to
candidates. The README's table is generated from :data:`PERMISSIONS` (a test checks they
agree).
"""

from __future__ import annotations

from enum import StrEnum

from sessions.errors import Forbidden
from sessions.protocol.messages import ROLES, Role


class Action(StrEnum):
    EDIT_CODE = "edit-code"
    CHANGE_LANGUAGE = "change-language"
    SET_PROBLEM = "set-problem"
    CHAT = "chat"
    WRITE_NOTE = "write-note"
    READ_NOTES = "read-notes"
    RUN_CODE = "run-code"
    END_SESSION = "end-session"
    REMOVE_USER = "remove-user"
    SET_TIMER = "set-timer"
    SEND_SIGNALS = "send-signals"
    READ_SIGNALS = "read-signals"
    DRAW = "draw"
    JOIN_CALL = "join-call"
    SEND_MEDIA = "send-media"


_DESCRIPTIONS: dict[Action, str] = {
    Action.EDIT_CODE: "edit code",
    Action.CHANGE_LANGUAGE: "change the language",
    Action.SET_PROBLEM: "set the problem",
    Action.CHAT: "chat",
    Action.WRITE_NOTE: "write private notes",
    Action.READ_NOTES: "read private notes",
    Action.RUN_CODE: "run code",
    Action.END_SESSION: "end the session",
    Action.REMOVE_USER: "remove a participant",
    Action.SET_TIMER: "set the interview timer",
    Action.SEND_SIGNALS: "send signals (focus loss, pastes)",
    Action.READ_SIGNALS: "see the candidate's signals",
    Action.DRAW: "draw on the whiteboard",
    Action.JOIN_CALL: "join the call",
    Action.SEND_MEDIA: "send audio or video in the call",
}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    "interviewer": frozenset(Action) - {Action.SEND_SIGNALS},
    "candidate": frozenset(
        {
            Action.EDIT_CODE,
            Action.CHANGE_LANGUAGE,
            Action.CHAT,
            Action.RUN_CODE,
            Action.SEND_SIGNALS,
            Action.DRAW,
            Action.JOIN_CALL,
            Action.SEND_MEDIA,
        }
    ),
    "observer": frozenset(
        {Action.CHAT, Action.WRITE_NOTE, Action.READ_NOTES, Action.READ_SIGNALS, Action.JOIN_CALL}
    ),
}


def can(role: Role, action: Action) -> bool:
    """True when ``role`` may perform ``action``."""
    return action in PERMISSIONS[role]


def require(role: Role, action: Action) -> None:
    """Raise :class:`Forbidden` naming the action unless ``role`` may perform it."""
    if not can(role, action):
        raise Forbidden(f"role '{role}' may not {_DESCRIPTIONS[action]}", action=str(action))


def describe(action: Action) -> str:
    """The action in words, as error messages put it."""
    return _DESCRIPTIONS[action]


def table_rows() -> list[tuple[str, ...]]:
    """The table as rows of (action, yes/no per role), for docs and tests."""
    return [
        (str(action), *("yes" if can(role, action) else "no" for role in ROLES))
        for action in Action
    ]
