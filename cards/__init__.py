"""Pure functions that turn domain objects into Adaptive Card dicts. No I/O."""
