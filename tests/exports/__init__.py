"""Real PocketBase exports (every minor release from 0.23 on) loaded into wxbase: `make test-pocketbase-exports`."""
