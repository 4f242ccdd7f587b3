"""The bot's commands and card actions, one module per family; ``loader.load_commands()``
builds the registries from them."""
