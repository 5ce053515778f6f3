"""Signed notes and checkpoints, held to the test vectors of Go's
golang.org/x/mod/sumdb/note (the keys, the signed note, and what Open must take and
refuse): a checkpoint timeline signs is one Go's tooling opens, and the reverse."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from timeline.core.merkle import leaf_hash
from timeline.core.signing import (
    Checkpoint,
    SignatureError,
    SignerKey,
    VerifierKey,
    open_note,
    parse_checkpoint,
    sign_note,
)

PETER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_PRIVATE = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXg"
    "KvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01o"
    "OTGwnWLox33WWd1RvMc+QQ=\n"
)


def test_the_published_keys_read_and_write_back_the_same() -> None:
    assert VerifierKey.parse(PETER).text == PETER
    assert VerifierKey.parse(ENOCH).text == ENOCH
    signer = SignerKey.parse(PETER_PRIVATE)
    assert signer.text == PETER_PRIVATE
    assert signer.verifier == VerifierKey.parse(PETER)


def test_every_mangled_verifier_key_is_refused() -> None:
    # as Go's TestNewVerifier: every part of the key, and each byte changed
    for i in range(len(PETER)):
        for j in range(i + 1, len(PETER) + 1):
            if (i, j) != (0, len(PETER)):
                with pytest.raises(SignatureError):
                    VerifierKey.parse(PETER[i:j])
    for i, c in enumerate(PETER):
        with pytest.raises(SignatureError):
            VerifierKey.parse(PETER[:i] + chr(ord(c) + 1) + PETER[i + 1 :])
    with pytest.raises(SignatureError):  # an unknown algorithm (its key ID adjusted)
        VerifierKey.parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


def test_signing_the_published_text_gives_the_published_note() -> None:
    assert sign_note(TEXT, SignerKey.parse(PETER_PRIVATE)) == TEXT + "\n" + PETER_SIG


def test_a_note_opens_with_the_keys_given_and_ignores_the_others() -> None:
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    peter, enoch = VerifierKey.parse(PETER), VerifierKey.parse(ENOCH)
    assert open_note(note, [peter]) == (TEXT, [peter])
    assert open_note(note, [peter, enoch]) == (TEXT, [peter, enoch])
    with pytest.raises(SignatureError, match="no signature of a key given"):
        open_note(TEXT + "\n" + ENOCH_SIG, [peter])


def test_a_changed_text_or_signature_fails() -> None:
    peter = VerifierKey.parse(PETER)
    with pytest.raises(SignatureError, match="does not verify"):
        open_note(TEXT.replace("answer", "Answer") + "\n" + PETER_SIG, [peter])
    raw = bytearray(base64.b64decode(PETER_SIG.split(" ")[2]))
    raw[10] ^= 1
    forged = f"\u2014 PeterNeumann {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(SignatureError, match="does not verify"):
        open_note(TEXT + "\n" + forged, [peter])
    for malformed in (TEXT + PETER_SIG, TEXT + "\n" + PETER_SIG.rstrip("\n"), "abc\n\n" + "x\n"):
        with pytest.raises(SignatureError):
            open_note(malformed, [peter])


@given(
    origin=st.from_regex(r"[a-z0-9.]{1,20}/[a-z0-9-]{1,20}", fullmatch=True),
    size=st.integers(0, 2**63),
    data=st.binary(max_size=8),
    seed=st.binary(min_size=32, max_size=32),
)
@settings(max_examples=examples(50), deadline=None)
def test_a_signed_checkpoint_opens_to_the_same_tree_head(
    origin: str, size: int, data: bytes, seed: bytes
) -> None:
    key = SignerKey.from_seed("timeline.example/desk", seed)
    head = Checkpoint(origin, size, leaf_hash(data))
    text, keys = open_note(sign_note(head.text, key), [key.verifier])
    assert keys == [key.verifier]
    assert parse_checkpoint(text) == head
    other = SignerKey.from_seed("timeline.example/desk", bytes(32) if any(seed) else b"\1" * 32)
    with pytest.raises(SignatureError):  # another key of the same name
        open_note(sign_note(head.text, key), [other.verifier])


@pytest.mark.parametrize(
    "text",
    [
        "example.org/log\n12\n",  # no root
        "\n12\n" + base64.b64encode(bytes(32)).decode() + "\n",  # no origin
        "example.org/log\n012\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "example.org/log\n-1\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "example.org/log\n12\n" + base64.b64encode(bytes(31)).decode() + "\n",
        "example.org/log\n12\n" + base64.b64encode(bytes(32)).decode(),  # no final newline
        "example.org/log\n12\n" + base64.b64encode(bytes(32)).decode() + "\n\nx\n",
    ],
)
def test_a_malformed_checkpoint_is_refused(text: str) -> None:
    with pytest.raises(SignatureError):
        parse_checkpoint(text)
