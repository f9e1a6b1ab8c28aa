"""`python -m maskpaint` is the `maskpaint` command."""

import sys

from maskpaint.cli import main

sys.exit(main())
