"""Platform KPIs from request logs: the roll-up SQL, the DuckDB and Spark engines, and the demo event generator."""
