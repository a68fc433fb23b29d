"""The DuckDB warehouse: connections, migrations, the loader, the build graph (SQL models and Python
steps, build.py) and the analyst copy."""
