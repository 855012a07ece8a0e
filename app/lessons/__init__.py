"""The lessons-learned library: what earlier teams learned, searchable by the next ones."""
