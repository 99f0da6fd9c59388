"""Pure planners: forecast -> compute -> data -> scaling -> bursts -> edge/k8s (plan_stack)."""
