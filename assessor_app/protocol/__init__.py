"""Wire protocol v1: pydantic schemas shared by the desktop client and the hub."""

from assessor_app.protocol.calibration import *  # noqa: F403
from assessor_app.protocol.calibration import __all__ as _calibration_all
from assessor_app.protocol.v1 import *  # noqa: F403
from assessor_app.protocol.v1 import __all__ as _v1_all

__all__ = [*_v1_all, *_calibration_all]
