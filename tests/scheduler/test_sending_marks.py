"""`SendingMarks`: the sending threads' marks as "sending", written together.

Every thread gets its own answer (marked, not this run's any more, or the database's error),
no key is written twice, and no more writes run at once than allowed.
"""

from __future__ import annotations

import threading

import pytest

from scheduler.delivery import SendingMarks

THREADS = 24


class Store:
    """A write that takes a while (a commit waiting for the disk) and remembers each batch."""

    def __init__(self, refuse: frozenset[str] = frozenset(), fail: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.refuse = refuse
        self.fail = fail
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()
        self.go = threading.Event()

    def write(self, keys: list[str]) -> set[str]:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.batches.append(list(keys))
        self.go.wait(timeout=0.05)  # long enough for the others to queue up behind
        with self.lock:
            self.running -= 1
        if self.fail:
            raise ConnectionError("database gone")
        return {k for k in keys if k not in self.refuse}


def mark_all(marks: SendingMarks, keys: list[str]) -> dict[str, bool | BaseException]:
    answers: dict[str, bool | BaseException] = {}
    start = threading.Barrier(len(keys))

    def mark(key: str) -> None:
        start.wait(timeout=10)
        try:
            answers[key] = marks.mark(key)
        except BaseException as error:
            answers[key] = error

    threads = [threading.Thread(target=mark, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return answers


@pytest.mark.parametrize("writers", [1, 3])
def test_every_thread_is_marked_once_in_fewer_writes_than_threads(writers: int) -> None:
    store = Store(refuse=frozenset({"k7"}))
    keys = [f"k{n}" for n in range(THREADS)]
    answers = mark_all(SendingMarks(store.write, writers=writers), keys)
    assert answers == {k: k != "k7" for k in keys}  # k7's claim was taken over: not sent
    written = [k for batch in store.batches for k in batch]
    assert sorted(written) == sorted(keys)  # each once
    assert len(store.batches) < THREADS  # together
    assert store.most <= writers


def test_a_write_that_fails_fails_every_thread_of_its_batch() -> None:
    store = Store(fail=True)
    keys = [f"k{n}" for n in range(THREADS)]
    answers = mark_all(SendingMarks(store.write, writers=2), keys)
    assert all(isinstance(answer, ConnectionError) for answer in answers.values())
    assert sorted(k for batch in store.batches for k in batch) == sorted(keys)
