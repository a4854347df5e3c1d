"""The filter language: parsed, bound to a collection, evaluated as SQLite would, and compiled for DynamoDB."""
