"""Start practitioner-app from a source checkout: `python main.py [--db PATH] [COMMAND]`."""

import sys

from practitioner_app.app import main

if __name__ == "__main__":
    sys.exit(main())
