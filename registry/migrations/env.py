"""Alembic environment: the engine is handed over by ``registry.migrate``."""

from alembic import context
from sqlmodel import SQLModel

import registry.enforcement_models  # noqa: F401
import registry.models  # noqa: F401  (registers the tables)
import registry.oversight_models  # noqa: F401
import registry.partner_models  # noqa: F401

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
