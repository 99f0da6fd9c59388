"""Runs the program under the Pulumi SDK mocks and records every registration."""
