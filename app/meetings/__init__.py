"""Meetings of a project: kickoffs, syncs, reviews…, their decisions, and recurring cadences."""
