"""The PocketBase parity suite: the same requests through the official JS SDK to a real PocketBase and to wxbase,
answers normalized and compared, differences checked against known_differences.json (`make test-pocketbase-parity`)."""
