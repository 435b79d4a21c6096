"""``python -m searchops`` is the ``searchops`` command."""

from searchops.cli import main

main()
