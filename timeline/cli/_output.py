"""Writing an export to ``-o PATH`` without ever destroying what is not ours.

- A regular file (or a new one) is written to a temporary file in the same folder and
  renamed over it: a failed export leaves the old file as it was, never a partial one.
  A new file gets ``0666 & ~umask`` (a published ``.ics`` stays readable by a web
  server); a file that is replaced keeps its mode.
- A symlink is followed: its target is replaced as above, in the target's folder, and
  the link stays a link.
- A FIFO or a character device (``/dev/stdout``, a pipe) is written straight into: a
  rename would replace the device itself (as root, ``-o /dev/null`` would otherwise
  swap the system's ``/dev/null`` for a regular file).
- Anything else (a folder, a block device, a socket) is refused.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from timeline.core.errors import TimelineError

__all__ = ["write_output"]


def _umask() -> int:
    mask = os.umask(0)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask


def _fail(path: str, e: OSError) -> TimelineError:
    return TimelineError(f"cannot write {path}: {e.strerror or e}")


def write_output(path: str, data: Iterable[bytes]) -> None:
    """Write ``data`` (bytes, or pieces of it as they are made) to ``path`` (see the
    module docstring for what each kind gets)."""
    try:
        st = os.stat(path)  # follows symlinks: what a write would reach
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _fail(path, e) from None
    if st is not None and (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
        _write_into(path, data)
    elif st is not None and stat.S_ISDIR(st.st_mode):
        raise TimelineError(f"cannot write {path}: it is a folder")
    elif st is not None and not stat.S_ISREG(st.st_mode):
        raise TimelineError(f"cannot write {path}: not a regular file, FIFO or character device")
    else:
        mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
        _replace(path, Path(os.path.realpath(path)), data, mode)


def _write_into(path: str, data: Iterable[bytes]) -> None:
    try:
        with open(path, "wb") as f:
            for chunk in data:
                f.write(chunk)
    except OSError as e:
        raise _fail(path, e) from None


def _replace(path: str, target: Path, data: Iterable[bytes], mode: int) -> None:
    """Write to a temporary file beside ``target``, then rename it over ``target``."""
    if not target.parent.is_dir():
        raise TimelineError(f"cannot write {path}: folder {target.parent} does not exist")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "wb") as f:
            for chunk in data:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as e:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise _fail(path, e) from None
    except BaseException:  # the export itself failed midway: no partial file is left
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
