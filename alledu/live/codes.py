"""Class codes and teacher keys: short, read aloud, typed on a phone.

Why: a teacher reads the class code to a room, so it avoids letters and digits that look or
sound alike (0/O/D/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B, U/V). The teacher key is longer and secret; the
store keeps only its SHA-256, so a copied database does not unlock a dashboard.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from alledu.errors import InvalidInput

ALPHABET = "ACEFHJKMNPRTWXY34679"
CODE_LENGTH = 4
KEY_GROUPS = 3  # teacher key: three groups of four, e.g. K7MX-3PRA-WE9H
_SEPARATORS = str.maketrans("", "", " -_.")


def new_code() -> str:
    """A random class code, e.g. 'K7MX'."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: object, field: str = "class") -> str:
    """A typed class code as stored: upper case, spaces and dashes dropped; else InvalidInput."""
    code = str(text if text is not None else "").upper().translate(_SEPARATORS)
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        raise InvalidInput(field, text, f"a class code of {CODE_LENGTH} characters from {ALPHABET}")
    return code


def new_key() -> str:
    """A teacher key: printed once by `alledu class new`, typed into the dashboard."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(KEY_GROUPS))


def hash_key(key: str) -> str:
    """What the store keeps instead of the key (case, spaces and dashes do not matter)."""
    return hashlib.sha256(str(key).upper().translate(_SEPARATORS).encode()).hexdigest()


def key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key), stored_hash)


# a learner id: 128 random bits and 96 bits of signature; the store's signing secret: 256 bits
ID_LIMITS: dict[str, int] = {"learner_bytes": 16, "signature_hex": 24, "secret_bytes": 32}


def new_secret() -> str:
    """A store's secret for signing learner ids (made once per store)."""
    return secrets.token_hex(ID_LIMITS["secret_bytes"])


def new_learner(secret: str) -> str:
    """An anonymous learner id the server issued: a random part and its signature (HMAC-SHA256 with
    the class store's secret), so a page cannot invent ids to answer as many learners."""
    part = secrets.token_hex(ID_LIMITS["learner_bytes"])
    return f"{part}-{_sign(part, secret)}"


def learner_signed(learner: str, secret: str) -> bool:
    """True when `learner` is an id `new_learner` issued with this secret."""
    part, _, sig = str(learner).partition("-")
    return bool(part and sig) and hmac.compare_digest(sig, _sign(part, secret))


def _sign(part: str, secret: str) -> str:
    return hmac.new(secret.encode(), part.encode(), hashlib.sha256).hexdigest()[: ID_LIMITS["signature_hex"]]
