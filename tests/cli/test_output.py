"""`export -o PATH` never destroys what is not ours: devices, FIFOs and symlinks are
written through, never replaced; new files get the umask's mode, old ones keep theirs.
Every path here is inside pytest's temporary folder."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Run


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder of its own for the outputs (the test's database is in tmp_path)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def backup_of(run: Run) -> bytes:
    result = run("export", "jsonl")
    assert result.exit_code == 0
    return result.stdout_bytes


def test_a_fifo_is_written_into_and_stays_a_fifo(imported: Run, out: Path) -> None:
    fifo = out / "feed.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = imported("export", "jsonl", "-o", str(fifo))
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received == [backup_of(imported)]
    assert sorted(p.name for p in out.iterdir()) == ["feed.pipe"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_character_device_is_written_into_and_stays_a_device(imported: Run, out: Path) -> None:
    null = out / "null"  # a null device of our own, not the system's
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    result = imported("export", "ics", "-o", str(null))
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(null.lstat().st_mode)
    assert sorted(p.name for p in out.iterdir()) == ["null"]


def test_a_symlink_is_followed_and_its_target_replaced_beside_it(imported: Run, out: Path) -> None:
    published = out / "www"
    published.mkdir()
    target = published / "feed.ics"
    target.write_text("old feed")
    link = out / "latest.ics"
    link.symlink_to(target)
    result = imported("export", "ics", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert sorted(p.name for p in published.iterdir()) == ["feed.ics"]  # no temporary left
    assert sorted(p.name for p in out.iterdir()) == ["latest.ics", "www"]


def test_a_dangling_symlink_creates_its_target(imported: Run, out: Path) -> None:
    target = out / "feeds" / "feed.ics"
    target.parent.mkdir()
    link = out / "feed.ics"
    link.symlink_to(target)
    assert imported("export", "ics", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and target.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_a_new_export_gets_the_umask_mode_and_an_old_one_keeps_its_mode(
    imported: Run, out: Path, umask_022: None
) -> None:
    new = out / "new.ics"
    assert imported("export", "ics", "-o", str(new)).exit_code == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o644  # readable by a web server
    old = out / "old.ics"
    old.write_text("")
    old.chmod(0o640)
    assert imported("export", "ics", "-o", str(old)).exit_code == 0
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    assert old.read_bytes().startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.mkdir(), "it is a folder"),
        (lambda p: None, None),  # the folder above is a file: see below
    ],
)
def test_what_cannot_be_written_is_one_line_and_leaves_everything_as_it_was(
    imported: Run, out: Path, make: object, message: str | None
) -> None:
    if message is None:
        (out / "notes.txt").write_text("mine")
        target = out / "notes.txt" / "feed.ics"
        expected = f"Error: cannot write {target}: Not a directory\n"
    else:
        target = out / "feed.ics"
        make(target)  # type: ignore[operator]
        expected = f"Error: cannot write {target}: {message}\n"
    before = sorted(p.name for p in out.iterdir())
    result = imported("export", "ics", "-o", str(target))
    assert result.exit_code == 1
    assert result.stdout == "" and result.stderr == expected
    assert sorted(p.name for p in out.iterdir()) == before
