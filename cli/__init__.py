"""The wxbase command: data in and out of a deployment over its API."""
