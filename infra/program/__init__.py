"""The Pulumi program: builds components/ from a CapacityPlan; decides nothing."""
