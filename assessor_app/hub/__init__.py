"""The reference hub server: FastAPI app, its database, artifact storage and admin CLI.

It imports ``protocol`` and ``domain`` only; the desktop client never imports it.
"""
