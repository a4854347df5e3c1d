"""WeChat Pay API v3 for mini-programs (docs/payments.md): merchants, request signing and response verification,
notification verification and decryption, and the `payments` records' state machine."""
