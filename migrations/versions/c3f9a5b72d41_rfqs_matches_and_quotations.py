"""rfqs, matches and quotations

Revision ID: c3f9a5b72d41
Revises: b2e8f4a61c30
Create Date: 2026-11-27 13:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3f9a5b72d41"
down_revision = "b2e8f4a61c30"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rfqs',
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('target_unit_price', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('destination_country', sa.String(length=2), nullable=False),
    sa.Column('incoterm', sa.String(length=3), nullable=False),
    sa.Column('needed_by', sa.Date(), nullable=False),
    sa.Column('quote_deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('status', sa.Enum('open', 'awarded', 'closed', 'cancelled', name='rfqstatus', native_enum=False, create_constraint=True, length=20), server_default='open', nullable=False),
    sa.Column('quotation_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('matched_supplier_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quotation_count >= 0', name=op.f('ck_rfqs_quotation_count_not_negative')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_rfqs_buyer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_rfqs_category_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rfqs'))
    )
    op.create_index('ix_rfqs_buyer_id_id', 'rfqs', ['buyer_id', 'id'], unique=False)
    op.create_index(op.f('ix_rfqs_category_id'), 'rfqs', ['category_id'], unique=False)
    op.create_index(op.f('ix_rfqs_quote_deadline'), 'rfqs', ['quote_deadline'], unique=False)

    op.create_table('quotations',
    sa.Column('rfq_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('moq', sa.Integer(), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('incoterm', sa.String(length=3), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('status', sa.Enum('submitted', 'accepted', 'declined', 'withdrawn', name='quotationstatus', native_enum=False, create_constraint=True, length=20), server_default='submitted', nullable=False),
    sa.Column('revision', sa.Integer(), server_default='1', nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rfq_id'], ['rfqs.id'], name=op.f('fk_quotations_rfq_id_rfqs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_quotations_submitted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_quotations_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotations')),
    sa.UniqueConstraint('rfq_id', 'supplier_id', name='uq_quotations_rfq_id_supplier_id')
    )
    op.create_index('ix_quotations_supplier_id_id', 'quotations', ['supplier_id', 'id'], unique=False)
    # Exactly one accepted quotation per RFQ, whatever races happen.
    op.create_index('uq_quotations_one_accepted', 'quotations', ['rfq_id'], unique=True, sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'"))

    op.create_table('rfq_matches',
    sa.Column('rfq_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['rfq_id'], ['rfqs.id'], name=op.f('fk_rfq_matches_rfq_id_rfqs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_rfq_matches_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rfq_matches')),
    sa.UniqueConstraint('rfq_id', 'supplier_id', name='uq_rfq_matches_rfq_id_supplier_id')
    )
    op.create_index('ix_rfq_matches_supplier_id_score', 'rfq_matches', ['supplier_id', 'score', 'rfq_id'], unique=False)

    op.create_table('quotation_revisions',
    sa.Column('quotation_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('moq', sa.Integer(), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('incoterm', sa.String(length=3), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['quotation_id'], ['quotations.id'], name=op.f('fk_quotation_revisions_quotation_id_quotations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_quotation_revisions_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotation_revisions')),
    sa.UniqueConstraint('quotation_id', 'revision', name='uq_quotation_revisions_quotation_id_revision')
    )


def downgrade():
    op.drop_table('quotation_revisions')
    op.drop_index('ix_rfq_matches_supplier_id_score', table_name='rfq_matches')
    op.drop_table('rfq_matches')
    op.drop_index('uq_quotations_one_accepted', table_name='quotations', sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'"))
    op.drop_index('ix_quotations_supplier_id_id', table_name='quotations')
    op.drop_table('quotations')
    op.drop_index(op.f('ix_rfqs_quote_deadline'), table_name='rfqs')
    op.drop_index(op.f('ix_rfqs_category_id'), table_name='rfqs')
    op.drop_index('ix_rfqs_buyer_id_id', table_name='rfqs')
    op.drop_table('rfqs')
