"""Seeded synthetic data sets, each in its own module (import the module you need)."""
