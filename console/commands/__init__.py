"""Sub-commands of `hitl`, one module each."""
