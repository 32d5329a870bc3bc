"""Where a command-line file goes: to `--output` (and a line on stderr saying so), or stdout."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO


def write_file(content: bytes, output: Path | None, target: BinaryIO, written: str) -> None:
    """`written`: the catalog's line for a file written to `output`, already translated."""

    if output is not None:
        output.write_bytes(content)
        print(written, file=sys.stderr)
    else:
        target.write(content)
        target.flush()
