"""The stock ledger is append-only: PostgreSQL refuses UPDATE and DELETE on its rows."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION inventory_stockmove_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'inventory_stockmove rows are immutable (% refused); record a correcting move', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER inventory_stockmove_append_only
    BEFORE UPDATE OR DELETE ON inventory_stockmove
    FOR EACH ROW EXECUTE FUNCTION inventory_stockmove_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS inventory_stockmove_append_only ON inventory_stockmove;
DROP FUNCTION IF EXISTS inventory_stockmove_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
