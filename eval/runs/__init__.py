"""Producing predictions: run the verifier over labelled claims, score and compare the runs."""
