"""Reading records: the list query planned and paged, joins read, and records rendered as the API shows them."""
