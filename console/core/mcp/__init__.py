"""`hitl mcp`: hitl's gate served to agents over MCP (`server`), approved by the operator in the console over a
local channel (`wire`, `channel`)."""
