"""Agents: the model (`AnthropicAgent`) or the operator typing commands (`ManualAgent`), behind one protocol."""
