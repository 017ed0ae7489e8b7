"""hitl: a human-in-the-loop operations console."""

__version__ = "0.1.0"
