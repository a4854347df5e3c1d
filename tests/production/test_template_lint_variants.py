"""cfn-lint over the packaged template (Chalice's SAM template merged with infra/template.yaml) with every option
off, each one on alone and all on, for global regions and for the China regions (aws-cn), where cfn-lint also knows
which resource types exist. Runs in `make test-production`, which packages the template first."""
import os

import pytest
import yaml

PACKAGED = os.environ.get("WXBASE_PACKAGED_TEMPLATE", "")
pytestmark = pytest.mark.skipif(not PACKAGED, reason="needs the packaged template: make test-production")

ACM_GLOBAL = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-123456789abc"
ACM_REGIONAL = "arn:aws:acm:ap-east-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-123456789abc"
OPTIONS = {
    "cdn": {"CreateCdn": "true"},
    "api-domain": {"ApiDomainName": "api.example.com", "ApiCertificateArn": ACM_REGIONAL, "ApiBasePath": "v1"},
    "files-domain": {"FilesDomainName": "files.example.com", "FilesCertificateArn": ACM_GLOBAL},
    "realtime-domain": {"RealtimeDomainName": "live.example.com", "RealtimeCertificateArn": ACM_REGIONAL},
    "egress": {"FixedEgressIp": "true"},
    "snap-start": {"SnapStart": "true"},
}
CHINA_OPTIONS = {
    "api-domain": {"ApiDomainName": "api.example.cn",
                   "ApiCertificateArn": ACM_REGIONAL.replace("aws:acm:ap-east-1", "aws-cn:acm:cn-north-1")},
    "files-domain": {"FilesDomainName": "files.example.cn", "FilesIamCertificateId": "ASCAEXAMPLEIAMCERT01"},
    "realtime-domain": {"RealtimeDomainName": "live.example.cn",
                        "RealtimeCertificateArn": ACM_REGIONAL.replace("aws:acm:ap-east-1", "aws-cn:acm:cn-north-1")},
    "egress": {"FixedEgressIp": "true"},
}


def variants(options):
    yield "all-off", {}
    for name, values in options.items():
        yield name, values
    yield "all-on", {k: v for values in options.values() for k, v in values.items()}


def _lint(values, regions):
    from cfnlint.api import ManualArgs, lint

    with open(PACKAGED, encoding="utf-8") as f:
        template = yaml.safe_load(f)
    for name, value in values.items():
        template["Parameters"][name]["Default"] = value
    return lint(yaml.safe_dump(template), config=ManualArgs(regions=regions))


@pytest.mark.parametrize("name,values", list(variants(OPTIONS)), ids=[n for n, _ in variants(OPTIONS)])
def test_global_regions(name, values):
    assert [str(m) for m in _lint(values, ["us-east-1", "ap-east-1", "ap-southeast-1"])] == []


@pytest.mark.parametrize("name,values", list(variants(CHINA_OPTIONS)), ids=[n for n, _ in variants(CHINA_OPTIONS)])
def test_china_regions(name, values):
    assert [str(m) for m in _lint(values, ["cn-north-1", "cn-northwest-1"])] == []


def test_the_lint_fails_on_a_broken_variant():
    """The check can fail: a property CloudFront doesn't have is an error."""
    with open(PACKAGED, encoding="utf-8") as f:
        template = yaml.safe_load(f)
    template["Resources"]["FilesDistribution"]["Properties"]["DistributionConfig"]["Origins"][0]["Bogus"] = 1
    from cfnlint.api import ManualArgs, lint

    found = {m.rule.id for m in lint(yaml.safe_dump(template), config=ManualArgs(regions=["us-east-1"]))}
    assert "E3002" in found  # the unknown origin property
