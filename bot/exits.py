"""The command line's exit codes: 0 done, 2 a problem the user can correct (as argparse's)."""

from typing import Final

EXIT_OK: Final = 0
EXIT_PROBLEMS: Final = 2
