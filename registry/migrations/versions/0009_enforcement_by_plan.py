"""enforcement by plan: plans, conclusions, raised flags; scan counts indexed by day

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None
PLAN_FK = 'fk_inspection_plan_id_inspectionplan'  # named, so that the downgrade can drop it


def upgrade() -> None:
    op.create_table('inspectionplan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('provinces', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('brands', sa.JSON(), nullable=False),
    sa.Column('holders', sa.JSON(), nullable=False),
    sa.Column('teams', sa.JSON(), nullable=False),
    sa.Column('target_shops', sa.JSON(), nullable=False),
    sa.Column('target_certificates', sa.JSON(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('conclusion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('organisation_name', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('tax_code', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=True),
    sa.Column('province', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('concluded_on', sa.Date(), nullable=False),
    sa.Column('decision_ref', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('legal_decree', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('legal_article', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('sanctions', sa.JSON(), nullable=False),
    sa.Column('fine_vnd', sa.BigInteger(), nullable=True),
    sa.Column('certificates', sa.JSON(), nullable=False),
    sa.Column('models', sa.JSON(), nullable=False),
    sa.Column('methods', sa.JSON(), nullable=False),
    sa.Column('method_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decision_ids', sa.JSON(), nullable=False),
    sa.Column('violation_id', sa.Integer(), nullable=True),
    sa.Column('concluded_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['inspectionplan.id'], ),
    sa.ForeignKeyConstraint(['violation_id'], ['violation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('conclusion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conclusion_concluded_on'), ['concluded_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_conclusion_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conclusion_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conclusion_tax_code'), ['tax_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_conclusion_violation_id'), ['violation_id'], unique=False)

    op.create_table('raisedflag',
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], ),
    sa.PrimaryKeyConstraint('certificate_id', 'day')
    )
    with op.batch_alter_table('raisedflag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raisedflag_day'), ['day'], unique=False)

    with op.batch_alter_table('scancount', schema=None) as batch_op:
        batch_op.create_index('ix_scancount_day', ['day'], unique=False)

    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_inspection_plan_id'), ['plan_id'], unique=False)
        batch_op.create_foreign_key(PLAN_FK, 'inspectionplan', ['plan_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('scancount', schema=None) as batch_op:
        batch_op.drop_index('ix_scancount_day')

    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_constraint(PLAN_FK, type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inspection_plan_id'))
        batch_op.drop_column('plan_id')

    with op.batch_alter_table('raisedflag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_raisedflag_day'))

    op.drop_table('raisedflag')
    with op.batch_alter_table('conclusion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conclusion_violation_id'))
        batch_op.drop_index(batch_op.f('ix_conclusion_tax_code'))
        batch_op.drop_index(batch_op.f('ix_conclusion_plan_id'))
        batch_op.drop_index(batch_op.f('ix_conclusion_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_conclusion_concluded_on'))

    op.drop_table('conclusion')
    op.drop_table('inspectionplan')
