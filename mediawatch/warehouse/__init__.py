"""The DuckDB warehouse: connections, migrations, SQL models, the loader and the analyst copy."""
