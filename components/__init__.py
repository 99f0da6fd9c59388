"""Pulumi ComponentResources that encode a CapacityPlan."""
