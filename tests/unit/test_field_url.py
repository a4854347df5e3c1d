from tests.unit.fieldcheck import field, option_problem, refusal, schema


def test_urls_as_pocketbase_accepts_them():
    f = field("url")
    assert refusal(f, "https://example.com/a?b=c") is None
    assert refusal(f, "example.com") is None  # a scheme is optional
    assert refusal(f, "localhost") == "validation_invalid_url"  # but a host without a dot needs one
    assert refusal(f, "https://" + "a" * 2048 + ".com") == "validation_invalid_url"


def test_domains_and_schema():
    f = field("url", exceptDomains=["bad.com"])
    assert refusal(f, "https://bad.com/x") == "validation_url_domain_not_allowed"
    assert refusal(f, "https://good.com/x") is None
    assert schema(f)["anyOf"][0] == {"type": "string", "format": "uri"}


def test_options_at_load():
    assert option_problem("url", exceptDomains=[1]) == "exceptDomains must be a list of domains."
