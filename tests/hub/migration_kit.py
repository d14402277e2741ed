"""What the hub migration tests share: moving a database to one revision of the hub's
schema, up or down, through the hub's own Alembic configuration."""

from __future__ import annotations

from typing import Literal

from alembic import command
from sqlalchemy import create_engine

from assessor_app.hub.migrate import alembic_config


def migrate(url: str, action: Literal["upgrade", "downgrade"], revision: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
    finally:
        engine.dispose()
