"""The schema: the collections file loaded into collections, their fields and indexes, and what each gives the
OpenAPI document."""
