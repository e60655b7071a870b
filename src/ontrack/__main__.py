import sys

from ontrack.cli import main

sys.exit(main())
