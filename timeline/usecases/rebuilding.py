"""Rebuilding the projections from the log, each on its own (see ``core.progress``).

A rebuild replays only the projections it is asked for, or those out of step with the
log: made by another version of their code, found wrong by ``verify``, not through the
log's last record, or a rebuild of them stopped half-way. Each goes in steps, one
transaction each: the first clears the projection and marks it begun; each next one
replays a group of whole threads (or a stretch of the log) and writes how far it has
gone, with its rows; the last marks it whole. A rebuild stopped anywhere (Ctrl-C, a
crash, a lost connection) leaves every step before it done: the next ``rebuild`` goes on
from there. While a projection is being rebuilt, no read uses it and no append is taken
(each says so, and that ``timeline rebuild`` finishes the work): the others serve on.

The thread states and the checkpoints come from the same replay of each thread: when
both are rebuilt from the same point, one pass makes both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from timeline.core.errors import DatabaseError, TimelineError
from timeline.core.progress import VERSIONS, named, out_of_step
from timeline.storage import EventStore, Writer
from timeline.usecases import _checkpoints
from timeline.usecases._append import bulk
from timeline.usecases._checkpoints import replay_all, save_replays
from timeline.usecases._search import index_left_out

__all__ = ["PROJECTIONS", "Rebuilt", "Step", "rebuild"]

PROJECTIONS = tuple(VERSIONS)  # in the order a rebuild of all of them takes them

# (the projections, how far along, out of how many) after each step is committed
Step = Callable[[Sequence[str], int, int], None]


@dataclass(frozen=True)
class Rebuilt:
    """One pass of a rebuild: the projections it made (one, or the states and the
    checkpoints together), from how many records and threads, and whether it went on
    from where a stopped rebuild had left them."""

    names: tuple[str, ...]
    records: int
    threads: int
    resumed: bool


def rebuild(
    store: EventStore,
    *,
    only: Sequence[str] = (),
    every: bool = False,
    force: bool = False,
    step: Step | None = None,
    group: int | None = None,
) -> list[Rebuilt]:
    """Replay the projections ``only`` names, all of them (``every``), or else those out
    of step with the log; a projection whose rebuild was stopped goes on from there.
    Returns what each pass rebuilt ([]: nothing was out of step). ``step`` is told of
    each step as it is committed; ``group``: about how many records a step replays
    (``REPLAY_GROUP``, as it is when called).

    Refused, unless ``force``, when the projections have folded more records than the
    log now holds: records were removed behind timeline's back, and a rebuild would
    erase the evidence that ``verify`` reports."""
    unknown = sorted(set(only) - set(PROJECTIONS))
    if unknown:
        raise TimelineError(
            f"no projection {unknown[0]!r}: the projections are {', '.join(PROJECTIONS)}"
        )
    with store.writing(None) as w:
        w.upkeep.enforced = False
        held, folded = w.log.count(), w.projections.projected_through()
        if folded > held and not force:
            raise DatabaseError(
                f"the projection table has folded records up to seq {folded}, but the log "
                f"holds {held}: records were removed; `timeline verify` names them, "
                "`timeline rebuild --force` replays what is left"
            )
        head, rows = w.log.head(), w.upkeep.rows()
    if every:
        wanted = list(PROJECTIONS)
    elif only:
        wanted = [n for n in PROJECTIONS if n in only]
    else:
        wanted = [n for n in PROJECTIONS if n not in rows or out_of_step(rows[n], head)]
    passes = _passes(wanted, {n: rows[n].resume for n in rows})
    size, steps = group or _checkpoints.REPLAY_GROUP, step or _quiet
    done: list[Rebuilt] = []
    with bulk():
        folds = [p for p in passes if p[0] in _FOLDED]
        if folds and ("search",) in passes and not store.one_database_per_connection():
            passes.remove(("search",))
            done += _fold_and_index(store, folds, size, steps)
            passes = [p for p in passes if p not in folds]
        for names in passes:
            done.append(_PASSES[names[0]](store, names, steps, size))
    return sorted(done, key=lambda p: PROJECTIONS.index(p.names[0]))


def _quiet(_names: Sequence[str], _done: int, _total: int) -> None:
    pass


class _Stopped(Exception):
    """The pass beside a rebuild that stopped: it stops too, after its current step."""


def _fold_and_index(
    store: EventStore, folds: list[tuple[str, ...]], size: int, step: Step
) -> list[Rebuilt]:
    """The fold passes, and beside them, on another thread, the search index's: the
    database indexes (its own work, which does not hold Python's lock) while Python
    folds, so that the two take two cores. A stop of one stops the other after its
    current step: both go on from there."""
    stop = threading.Event()

    def stopping(_names: Sequence[str], _done: int, _total: int) -> None:
        if stop.is_set():
            raise _Stopped

    done: list[Rebuilt] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        indexing = pool.submit(_search, store, ("search",), stopping, size)
        try:
            done += [_fold(store, names, step, size) for names in folds]
            done.append(indexing.result())
        except BaseException:  # Ctrl-C too, while the index's pass finishes
            stop.set()
            raise
    return done


_FOLDED = ("states", "checkpoints")  # the projections a replay of threads makes


def _passes(wanted: Sequence[str], resume: dict[str, str | None]) -> list[tuple[str, ...]]:
    """The passes that rebuild ``wanted``: the states and the checkpoints in one when
    both start from the same point (both anew, or both stopped at the same thread)."""
    folded = [n for n in wanted if n in _FOLDED]
    together = len(folded) == 2 and resume.get("states") == resume.get("checkpoints")
    out: list[tuple[str, ...]] = [tuple(folded)] if together else [(n,) for n in folded]
    return out + [(n,) for n in wanted if n not in _FOLDED]


def _begin(
    w: Writer, names: Sequence[str], valid: Callable[[str], bool] = lambda _: True
) -> tuple[str, bool]:
    """Where the rebuild of ``names`` stands (their rows cleared and marked begun, if
    it had not begun, or stands where no pass of theirs leaves it: not ``valid``), and
    whether it goes on from a stopped one."""
    w.upkeep.enforced = False
    resume = w.upkeep.rows()[names[0]].resume if names[0] in w.upkeep.rows() else None
    if resume is not None and valid(resume):
        return resume, True
    for name in names:
        _CLEAR[name](w)
    w.upkeep.begin(names)
    return "", False


@contextmanager
def _step(store: EventStore, names: Sequence[str], stands: str) -> Iterator[Writer]:
    """One step of a rebuild of ``names``, which stood at ``stands``: refused if it no
    longer does (another rebuild of them runs at the same time: the first to step on
    goes on, the other stops, its step undone)."""
    with store.writing(None) as w:
        w.upkeep.enforced = False
        rows = w.upkeep.rows()
        if any(n not in rows or rows[n].resume != stands for n in names):
            raise DatabaseError(
                f"another `timeline rebuild` is rebuilding {named(names)} at the same "
                "time: this one stops and leaves the work to it"
            )
        yield w


def _fold(store: EventStore, names: tuple[str, ...], step: Step, group: int) -> Rebuilt:
    """Replay the thread states and/or the checkpoints, a group of whole threads a
    step, in slug order (``resume``: the last thread done)."""
    with store.writing(None) as w:
        after, resumed = _begin(w, names)
        groups = list(w.log.thread_groups(None, group, after))
        sizes = w.log.sizes()
    total = sum(sizes.values())
    done = sum(n for t, n in sizes.items() if t <= after)
    for threads in groups:
        with store.reading() as r:  # no write waits for the fold: the index's, beside it
            replays, _ = replay_all(r.log.fetch_fold_records(threads))
        with _step(store, names, after) as w:
            save_replays(w, replays, names)
            w.upkeep.stand(names, threads[-1])
        after = threads[-1]
        done += sum(sizes[t] for t in threads)
        step(names, done, total)
    return _finish(store, names, after, resumed, total, len(sizes))


def _search(store: EventStore, names: tuple[str, ...], step: Step, group: int) -> Rebuilt:
    """Replay the search index: the events nothing amends, in today's form, a stretch of
    the log a step, indexed by the database itself (``resume``: ``seq:N``, the next
    stretch's first seq); then the threads of the others, a group of whole threads a
    step, replayed with their amendments or read through their older form
    (``thread:T``, the last thread done)."""
    with store.writing(None) as w:
        where, resumed = _begin(w, names, _search_stands)
        head = w.log.head()
    # the first stage done ("thread:"), or where it stands ("seq:N"), or begun ("")
    start = head + 1 if where.startswith("thread:") else int(where.removeprefix("seq:") or "1")
    while start <= head:
        with _step(store, names, where) as w:
            w.search.save_texts_from(start, start + group)
            start += group
            where = f"seq:{start}"
            w.upkeep.stand(names, where)
        step(names, min(start - 1, head), head)
    after = where.removeprefix("thread:") if where.startswith("thread:") else ""
    with store.reading() as r:
        left = r.search.older_threads() | r.search.amended_threads()
        groups = list(r.log.thread_groups(left, group, after))
    for i, threads in enumerate(groups, start=1):
        with _step(store, names, where) as w:
            index_left_out(w, set(threads))
            where = f"thread:{threads[-1]}"
            w.upkeep.stand(names, where)
        step(names, i, len(groups))
    with store.reading() as r:
        sizes = r.log.sizes()
    return _finish(store, names, where, resumed, sum(sizes.values()), len(sizes))


def _search_stands(where: str) -> bool:
    """Whether the index's pass can stand at ``where`` (begun, a seq, a thread)."""
    return where == "" or where.startswith("thread:") or where.removeprefix("seq:").isdigit()


def _tree(store: EventStore, names: tuple[str, ...], step: Step, _group: int) -> Rebuilt:
    """Make the Merkle tree again from every record's hash, in one step (it hashes
    what it reads, no more: a million records take a few seconds)."""
    with store.writing(None) as w:
        where, resumed = _begin(w, names, lambda stands: stands in ("", "made"))
    with _step(store, names, where) as w:
        leaves = w.log.tree.rebuild(w.log.leaves())
        w.upkeep.stand(names, "made")
        sizes = w.log.sizes()
    step(names, leaves, leaves)
    return _finish(store, names, "made", resumed, sum(sizes.values()), len(sizes))


def _finish(
    store: EventStore,
    names: tuple[str, ...],
    stands: str,
    resumed: bool,
    records: int,
    threads: int,
) -> Rebuilt:
    with _step(store, names, stands) as w:
        w.upkeep.finish(names, w.log.head())
    return Rebuilt(names, records, threads, resumed)


_PASSES = {"states": _fold, "checkpoints": _fold, "search": _search, "tree": _tree}
_CLEAR: dict[str, Callable[[Writer], None]] = {
    "states": lambda w: w.projections.clear_states(),
    "checkpoints": lambda w: w.projections.clear_checkpoints(),
    "search": lambda w: w.search.clear_texts(),
    "tree": lambda w: w.log.tree.clear(),
}
