"""WeChat content security on record fields: text, editor HTML and images."""
