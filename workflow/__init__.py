"""The process itself: stages, milestones, the working-day calendar, criteria and decisions.

Pure Python: no Teams, no database, no clock reads. Time is always a parameter."""
