"""Telling that the process holding a claim has died: only on this host, only when it is gone."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from scheduler.instances import HOST_CHARS, default_instance_id, known_dead


def gone_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_an_instance_id_names_this_host_and_process_and_fits_the_outbox() -> None:
    ours = default_instance_id()
    host, pid, tag = ours.rsplit("-", 2)
    assert host == socket.gethostname()[:HOST_CHARS] and pid == str(os.getpid()) and len(tag) == 8
    assert len(ours) <= 64
    assert default_instance_id() != ours


def test_only_a_process_of_this_host_that_no_longer_runs_is_known_dead() -> None:
    host = socket.gethostname()[:HOST_CHARS]
    dead = gone_pid()
    assert known_dead(f"{host}-{dead}-0a1b2c3d")
    assert not known_dead(f"{host}-{os.getpid()}-0a1b2c3d")  # this process
    assert not known_dead(f"{host}-{os.getppid()}-0a1b2c3d")  # running
    assert not known_dead(f"another-host-{dead}-0a1b2c3d")  # cannot tell: not ours to say
    assert not known_dead("bot-a")  # an id given by hand says nothing
    assert not known_dead(f"{host}-x{dead}-0a1b2c3d")
