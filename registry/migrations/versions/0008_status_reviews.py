"""status reviews: a feed's status change waits for an admin while a decision stands

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('statusreview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=True),
    sa.Column('proposed_status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('held_status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], ),
    sa.ForeignKeyConstraint(['decision_id'], ['statusdecision.id'], ),
    sa.ForeignKeyConstraint(['import_run_id'], ['importrun.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statusreview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statusreview_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statusreview_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('statusreview', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statusreview_state'))
        batch_op.drop_index(batch_op.f('ix_statusreview_certificate_id'))
    op.drop_table('statusreview')
