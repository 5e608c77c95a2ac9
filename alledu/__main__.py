"""`python -m alledu`: the same command line as the `alledu` script."""

import sys

from alledu.cli import main

sys.exit(main())
