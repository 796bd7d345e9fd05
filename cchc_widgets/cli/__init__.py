"""The `cchc` command line."""

from cchc_widgets.cli.main import main

__all__ = ["main"]
