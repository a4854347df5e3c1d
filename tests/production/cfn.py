"""infra/template.yaml as data (short-form intrinsics become {"Ref": …}, {"Sub": …}), and a renderer for !Sub."""
import os
import re

import yaml

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE = os.path.join(PROJECT_DIR, "infra", "template.yaml")


class _Loader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}


_Loader.add_multi_constructor("!", _tag)


def load_template(path=TEMPLATE):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader)


def render_sub(text, names):
    """`${Name}` → names[Name], as CloudFormation's Fn::Sub does for the names given."""
    return re.sub(r"\$\{([^}]+)\}", lambda m: names[m.group(1)], text)
