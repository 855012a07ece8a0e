"""Change requests against the project's baseline: asked, assessed, decided, applied."""
