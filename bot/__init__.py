"""The Teams-facing application: app factory, adapter, activity handler, commands, CLI."""
