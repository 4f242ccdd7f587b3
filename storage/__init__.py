"""Persistence: SQLAlchemy 2 models, repositories (one module per noun), migrations and the
botbuilder state store. Knows nothing of Teams messages or cards."""
