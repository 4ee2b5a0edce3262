"""``python -m verifier`` runs the command line."""

import sys

from verifier.io.cli import main

sys.exit(main())
