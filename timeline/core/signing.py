"""Signed tree heads: C2SP signed notes with Ed25519 keys, and the tlog-checkpoint note a
tree head is published as. Pure: no I/O (a key is made from bytes the caller drew).

A *checkpoint* (c2sp.org/tlog-checkpoint) is a note of three lines, the log's origin,
its tree size and its root (base64), signed as c2sp.org/signed-note says: the text, a
blank line, then a line per signature, ``— <key name> base64(key ID || signature)``,
where the key ID is the first four bytes of SHA-256(name || 0x0A || 0x01 || public key).
Keys are written as Go's ``golang.org/x/mod/sumdb/note`` writes them: a verifier key
``name+hex key ID+base64(0x01 || public key)``, a signer key ``PRIVATE+KEY+name+hex key
ID+base64(0x01 || seed)``, so that the checkpoints timeline signs open with Go's
``note.Open`` and the tools built on it, and theirs here.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

__all__ = [
    "Checkpoint",
    "SignatureError",
    "SignedCheckpoint",
    "SignerKey",
    "VerifierKey",
    "open_note",
    "parse_checkpoint",
    "sign_note",
]

ED25519 = 0x01  # the signature type byte of Ed25519 (c2sp.org/signed-note)
_DASH = "\u2014 "  # em dash, space: a signature line's start
_NAME = re.compile(r"[^\s+\x00-\x1f]+")  # non-empty, no spaces, no '+'


class SignatureError(ValueError):
    """A key, note or checkpoint that is malformed, or a signature that does not verify."""


def _utf8(text: str, what: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SignatureError(f"{what} is not text (it holds a lone surrogate)") from None
    return text


def _name(name: str) -> str:
    if _NAME.fullmatch(_utf8(name, "a key name")) is None or not name.isprintable():
        raise SignatureError(f"a key name is non-empty text without spaces or '+': {name!r}")
    return name


def key_id(name: str, public: bytes) -> bytes:
    """The four bytes that name a key beside its name (big-endian uint32 in Go)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public).digest()[:4]


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{what} is not base64: {text!r}") from None


@dataclass(frozen=True)
class VerifierKey:
    """A public key that checks signatures: what a reader is given to trust."""

    name: str
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public)

    @property
    def text(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.public).decode()
        return f"{self.name}+{self.id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """A verifier key as ``text`` writes it (``name+id+key``)."""
        parts = text.strip().split("+", 2)  # the key's base64 may hold '+'
        if len(parts) != 3:
            raise SignatureError(f"a verifier key is name+id+key: {text!r}")
        name, hex_id, encoded = parts
        raw = _b64(encoded, "the key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise SignatureError("the key is not an Ed25519 public key (type 0x01, 32 bytes)")
        key = cls(_name(name), raw[1:])
        if hex_id != key.id.hex():
            raise SignatureError(f"the key's ID is {key.id.hex()}, not {hex_id}")
        return key

    def verifies(self, message: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    """A private key that signs checkpoints: kept by the operator, never in the log."""

    name: str
    seed: bytes = field(repr=False)  # RFC 8032's 32-byte private key

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> SignerKey:
        if len(seed) != 32:
            raise SignatureError("an Ed25519 private key is 32 bytes")
        return cls(_name(name), seed)

    @property
    def verifier(self) -> VerifierKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return VerifierKey(self.name, public)

    @property
    def text(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> SignerKey:
        """A signer key as ``text`` writes it (``PRIVATE+KEY+name+id+key``)."""
        parts = text.strip().split("+", 4)  # the key's base64 may hold '+'
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise SignatureError("a signer key is PRIVATE+KEY+name+id+key")
        name, hex_id, encoded = parts[2:]
        raw = _b64(encoded, "the key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise SignatureError("the key is not an Ed25519 private key (type 0x01, 32 bytes)")
        key = cls.from_seed(name, raw[1:])
        if hex_id != key.verifier.id.hex():
            raise SignatureError(f"the key's ID is {key.verifier.id.hex()}, not {hex_id}")
        return key

    def sign(self, message: bytes) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def _text(text: str) -> str:
    if not _utf8(text, "a note").endswith("\n") or any(c < " " and c != "\n" for c in text):
        raise SignatureError("a note's text ends with a newline and holds no control characters")
    return text


def sign_note(text: str, key: SignerKey) -> str:
    """The signed note of ``text`` (ending in a newline), signed by ``key``."""
    signature = key.verifier.id + key.sign(_text(text).encode())
    return f"{text}\n{_DASH}{key.name} {base64.b64encode(signature).decode()}\n"


def open_note(note: str, keys: list[VerifierKey]) -> tuple[str, list[VerifierKey]]:
    """The text of a signed note and the keys of ``keys`` whose signatures it carries,
    each verified. SignatureError if a known key's signature fails, or none is there:
    signatures of keys not given are ignored, as c2sp.org/signed-note says."""
    text, sep, lines = note.rpartition("\n\n")
    if not sep or not lines.endswith("\n"):
        raise SignatureError("a signed note is its text, a blank line, and signature lines")
    text = _text(text + "\n")
    known = {(k.name, k.id): k for k in keys}
    verified: list[VerifierKey] = []
    for line in lines[:-1].split("\n"):
        if not line.startswith(_DASH) or line.count(" ") != 2:
            raise SignatureError(f"not a signature line: {line!r}")
        name, encoded = line[len(_DASH) :].split(" ")
        raw = _b64(encoded, "a signature")
        key = known.get((name, raw[:4]))
        if key is None or len(raw) < 5:
            continue
        if not key.verifies(text.encode(), raw[4:]):
            raise SignatureError(f"the signature of {name} does not verify")
        verified.append(key)
    if not verified:
        raise SignatureError("the note carries no signature of a key given to check it")
    return text, verified


@dataclass(frozen=True)
class Checkpoint:
    """A tree head as c2sp.org/tlog-checkpoint writes it: the log's origin (a name for
    it, such as ``example.org/timeline``), its tree size, its root, and extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """A checkpoint from a note's text (checked, not trusted: open the note first)."""
    lines = _text(text).split("\n")[:-1]
    if len(lines) < 3 or not lines[0]:
        raise SignatureError("a checkpoint is an origin, a tree size and a root, a line each")
    origin, size, root = lines[:3]
    if re.fullmatch(r"0|[1-9][0-9]{0,19}", size) is None:
        raise SignatureError(f"a checkpoint's tree size is a decimal number: {size!r}")
    raw = _b64(root, "the root")
    if len(raw) != 32:
        raise SignatureError("a checkpoint's root is 32 bytes")
    if any(not line for line in lines[3:]):
        raise SignatureError("a checkpoint's extension lines are not empty")
    return Checkpoint(origin, int(size), raw, tuple(lines[3:]))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint the log holds: the record holding it (``seq``), the tree it signs
    (the first ``size`` records, ``root``), the key that signed it, the day, the note."""

    seq: int
    size: int
    root: bytes
    key: VerifierKey
    signed: dt.date
    note: str

    @property
    def origin(self) -> str:
        """The log's name, as its checkpoints carry it (the name of the key that signs)."""
        return self.key.name

    @property
    def stamp(self) -> str:
        """The checkpoint in a line, as an export names the one it was cut at: the
        first three lines of its note (origin, size, base64 root), space-separated."""
        return f"{self.origin} {self.size} {base64.b64encode(self.root).decode()}"
