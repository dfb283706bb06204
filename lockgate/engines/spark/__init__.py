"""The SQL engine on Apache Spark.

Not a second engine: the SQL engine's table plan (one fused aggregate per table, samples only for
failed rules, the stateful profile in the same scan) is compiled by ibis's PySpark compiler and
run by `spark.sql`. This package only says where the data is (a `SparkConnector` over temporary
views of local files, a Spark catalog's tables, or caller's DataFrames), how the session is made
(`session`), and what Spark cannot check (`unsupported`).

pyspark is optional (`pip install lockgate[spark]`) and imported only here.
"""
