"""The deployment template creates the same table the local stack does, and scopes permissions to resources."""
import os

import yaml

from chalicelib.store.table_definition import table_definition

TEMPLATE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "infra", "template.yaml")


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template():
    with open(TEMPLATE) as f:
        return yaml.load(f, Loader=_CfnLoader)


def test_template_table_matches_local_schema():
    table = load_template()["Resources"]["Table"]["Properties"]
    local = table_definition("x")
    assert table["KeySchema"] == local["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(local["AttributeDefinitions"], key=str)
    assert table["GlobalSecondaryIndexes"] == local["GlobalSecondaryIndexes"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": "exp", "Enabled": True}
    assert table["StreamSpecification"]["StreamViewType"] == local["StreamSpecification"]["StreamViewType"]


def test_bucket_is_private():
    bucket = load_template()["Resources"]["Bucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())


def test_no_policy_grants_all_resources_or_all_actions():
    for name, resource in load_template()["Resources"].items():
        if resource.get("Type") != "AWS::IAM::Policy":
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not any(a == "*" or a.endswith(":*") for a in actions), name
            assert statement["Resource"] != "*", name
