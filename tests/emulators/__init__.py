"""Local stand-ins for the chat platforms, driven by the real client libraries."""
