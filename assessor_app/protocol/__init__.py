"""Wire protocol v1: pydantic schemas shared by the desktop client and the hub."""

from assessor_app.protocol.v1 import *  # noqa: F403
from assessor_app.protocol.v1 import __all__  # noqa: F401
