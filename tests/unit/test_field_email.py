from tests.unit.fieldcheck import field, option_problem, refusal, schema


def test_address_and_domains():
    assert refusal(field("email"), "not-an-address") == "validation_is_email"
    assert refusal(field("email"), "") is None
    f = field("email", onlyDomains=["Example.com"])
    assert refusal(f, "a@example.COM") is None
    assert refusal(f, "a@other.com") == "validation_email_domain_not_allowed"
    assert refusal(field("email", exceptDomains=["spam.io"]), "a@spam.io") == "validation_email_domain_not_allowed"


def test_international_domains_as_pocketbase():
    for address in ("a@bü.de", "ü@bü.de", "a@例え.jp", "a@xn--b-hga.de"):
        assert refusal(field("email"), address) is None, address
    for address in ("a b@x.de", "a@localhost", "a@x.de\n", "a@-x.de", "a@x..de"):
        assert refusal(field("email"), address) == "validation_is_email", address
    assert refusal(field("email", onlyDomains=["bü.de"]), "a@BÜ.de") is None


def test_schema_allows_the_empty_answer():
    assert schema(field("email")) == {"anyOf": [{"type": "string", "format": "email"},
                                                {"type": "string", "maxLength": 0}]}


def test_options_at_load():
    assert option_problem("email", onlyDomains="example.com") == "onlyDomains must be a list of domains."
    assert option_problem("email", exceptDomains=["a.com"]) is None
