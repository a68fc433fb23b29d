"""mediawatch: a media-monitoring pipeline for tech news.

The package holds everything the DAGs, the spiders and the CLI share. It knows nothing of Airflow.
Data flows one way: sources -> spiders -> staging files -> loader -> DuckDB -> checks -> reports.
"""

__version__ = "0.1.0"
