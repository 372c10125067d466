"""feed locations fetched by hopquy sync, with their ETag and Last-Modified

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'feedlocation',
        sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('last_modified', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('url'),
    )


def downgrade() -> None:
    op.drop_table('feedlocation')
