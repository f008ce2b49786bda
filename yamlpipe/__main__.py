"""`python -m yamlpipe` runs the command line."""

from yamlpipe.cli import main

main()
