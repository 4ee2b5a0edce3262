"""Fitting the verdict model on the dev half of stored runs (the dev/test split lives here too)."""
