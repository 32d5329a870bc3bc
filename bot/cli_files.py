"""Where a command-line file goes: to `--output` (and a line on stderr saying so), or stdout.

The files hold personal data (register extracts, reports with names and what people wrote):
`--output` is written readable by its owner only (0600), also over an older file.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO


def write_file(content: bytes, output: Path | None, target: BinaryIO, written: str) -> None:
    """`written`: the catalog's line for a file written to `output`, already translated."""

    if output is not None:
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            if stat.S_ISREG(os.fstat(descriptor).st_mode):  # not /dev/stdout, say
                os.fchmod(descriptor, 0o600)
            file.write(content)
        print(written, file=sys.stderr)
    else:
        target.write(content)
        target.flush()
