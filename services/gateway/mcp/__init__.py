"""The MCP server at ``/mcp``: the REST surface as tools for AI assistants (issue 24)."""
