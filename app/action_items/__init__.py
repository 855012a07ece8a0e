"""Action items: what people promised, to whom, by when — across all their projects."""
