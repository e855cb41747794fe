"""`python -m bot` is `practicebot`."""

import sys

from bot.cli import main

sys.exit(main())
