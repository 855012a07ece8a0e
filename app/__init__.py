"""Handover: the API for the moment a sale becomes a project."""

__version__ = "0.4.0"
