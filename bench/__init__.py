"""`make bench`: cost and speed of the rule against a local moto server (see bench/run.py)."""
