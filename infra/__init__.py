"""scaling-platform Pulumi program, planners and CLI."""
