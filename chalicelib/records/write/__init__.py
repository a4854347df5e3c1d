"""Writing records: create, update and delete, their hooks, relation cascades and file fields."""
