"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import registry.enforcement_models  # noqa: F401
import registry.models  # noqa: F401  the tables, registered on SQLModel.metadata
import registry.oversight_models  # noqa: F401


def test_migrations_produce_the_models_schema(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == [], "a model and the migrations differ; write a migration:\n" + "\n".join(
        map(str, differences))
