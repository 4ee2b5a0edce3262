"""The model registry and the project's own shipped NLI model."""
