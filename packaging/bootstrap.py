"""Entry script of the bundled app: the frozen equivalent of the ``assessor-app`` command.

The runtime hook (``rthook_vlc.py``) has already pointed python-vlc at the bundled libvlc
when this runs.
"""

import sys

from assessor_app.app import main

if __name__ == "__main__":
    sys.exit(main())
