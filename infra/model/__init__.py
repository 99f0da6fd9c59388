"""Plan dataclasses, runbook constants and tables, catalogs, resource type names: the bottom layer."""
