"""Redaction rules: hitl's structural rules (`structural`, `tokens`, `names`) and a detector library
(`library`, detect-secrets' regex plugins). `console.core.redact` puts them together; import from there."""
