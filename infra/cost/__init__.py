"""Price tables and the cost estimator (pure)."""
