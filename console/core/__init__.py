"""Pure logic of hitl. Never imports textual or console.tui (an import-linter contract enforces it)."""
