"""Regenerate (--write) or check (--check) the generated Python stubs and docs/functions.md.

    python python/tools/surface.py --write --docs docs
    python python/tools/surface.py --check --docs docs
"""

import sys

from sextant._surface import main

sys.exit(main(sys.argv[1:]))
