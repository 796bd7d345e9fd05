"""`python -m cchc_widgets.cli` runs the command line."""

import sys

from cchc_widgets.cli.main import main

sys.exit(main())
