"""Botbuilder dialogs for multi-turn forms."""
