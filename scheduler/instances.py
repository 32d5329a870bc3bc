"""Who claimed a delivery: an instance id that names the host and the process.

A run on the same host can then tell that the process holding a claim has died (it is not
running any more), and send that claim at once instead of waiting for it to grow stale. Taking
over a claim is always safe for "at most once": only the holder of a claim can mark it
"sending" (a conditional update), so of a claimer thought dead and the run taking over, one
sends. A mistake only costs time: a process id used again by another process looks alive
(the claim waits until it is stale), and a process in another PID namespace under the same
host name looks dead (its claim is taken over; it then skips that delivery).
"""

from __future__ import annotations

import os
import socket
import uuid

# The id fits the outbox's claimed_by (64 characters) whatever the host name.
HOST_CHARS = 40


def default_instance_id() -> str:
    return f"{_host()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def known_dead(instance_id: str) -> bool:
    """True only when the id is this host's and names a process that no longer runs."""

    parts = instance_id.rsplit("-", 2)
    if len(parts) != 3:
        return False
    host, pid_text, _tag = parts
    if host != _host() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, another user's
        return False
    return False


def _host() -> str:
    return socket.gethostname()[:HOST_CHARS]
