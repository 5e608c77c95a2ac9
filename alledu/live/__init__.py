"""Live class: learners' answers recorded as they come in, for the teacher's dashboard.

Why here and not in the widgets: codes, the store, the per-question counts and the exports
are plain Python, used by the lessons, the `alledu class` commands and the tests alike.
"""

from alledu.live.codes import ALPHABET, CODE_LENGTH, new_code, normalize_code
from alledu.live.record import Participant
from alledu.live.store import (
    ENV,
    AnswerRow,
    ClassClosed,
    ClassInfo,
    Store,
    StoreUnavailable,
    location,
    open_store,
)
from alledu.live.summary import catalog, summarize, to_csv, to_json

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "ENV",
    "AnswerRow",
    "ClassClosed",
    "ClassInfo",
    "Participant",
    "Store",
    "StoreUnavailable",
    "catalog",
    "location",
    "new_code",
    "normalize_code",
    "open_store",
    "summarize",
    "to_csv",
    "to_json",
]
