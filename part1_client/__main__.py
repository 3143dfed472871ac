"""`python -m part1_client NAME [TYPE] [@SERVER] ...`: see part1_client.cli."""

from .cli import main

raise SystemExit(main())
