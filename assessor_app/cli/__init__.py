"""The ``assessor`` command line (entry point ``assessor_app.cli.main:main``)."""
