"""The `scaling` command: plan, forecast, report and charts."""
