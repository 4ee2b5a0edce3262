"""Command-line evaluation and benchmark programs (JSONL in; JSON, Markdown, PNG out)."""
