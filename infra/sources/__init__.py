"""Demand history loaders (CSV, CloudWatch)."""
