"""`python -m part1_client NAME [TYPE] [@SERVER] ...`: see part1_client.cli."""

import os
import sys

from .cli import main

try:
    status = main()
    sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
except BrokenPipeError:
    # The reader went away (`... | head -1` read its line and left): what it
    # wanted, it has. Python would try to flush stdout again at exit and print
    # a traceback, so stdout now points nowhere.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 1
raise SystemExit(status)
