"""`python -m journey.cli`: the `journey` command."""

from journey.cli import main

main()
