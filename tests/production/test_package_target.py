"""The packaged functions run on the runtime and architecture infra/lambda.json declares, whatever Python built
them: every function's Runtime and Architectures, every requirement in the zip, and every compiled library in it
built for that machine and that Python. Runs in `make test-production`."""
import os
import re
import zipfile

import pytest
import yaml

from infra import package

PACKAGED = os.environ.get("WXBASE_PACKAGED_TEMPLATE", "")
pytestmark = pytest.mark.skipif(not PACKAGED, reason="needs the packaged template: make test-production")
ELF_MACHINE = {"arm64": 183, "x86_64": 62}  # e_machine: EM_AARCH64, EM_X86_64


def _functions():
    with open(PACKAGED, encoding="utf-8") as f:
        resources = yaml.safe_load(f)["Resources"]
    return {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}


def test_every_function_has_the_declared_runtime_and_architecture():
    target = package.settings()
    functions = _functions()
    assert len(functions) >= 8
    for name, props in functions.items():
        assert props["Runtime"] == target["runtime"], name
        assert props.get("Architectures", ["x86_64"]) == [target["architecture"]], name


def _zip():
    return os.path.join(os.path.dirname(PACKAGED), "deployment.zip")


def test_the_zip_holds_every_requirement_with_its_libraries():
    assert package.missing_requirements(_zip(), os.path.join(package.PROJECT, "requirements.txt")) == []
    with zipfile.ZipFile(_zip()) as z:
        names = z.namelist()
    assert "PIL/Image.py" in names and "jwt/__init__.py" in names and "requests/__init__.py" in names
    assert any(re.match(r"PIL/_imaging\.cpython-\d+-.+\.so$", n) for n in names)
    assert any(n.startswith("pillow.libs/libjpeg") for n in names)  # the codecs PIL/_imaging links against


def test_compiled_libraries_are_for_the_target_machine_and_python():
    target = package.settings()
    version = target["runtime"][len("python"):].replace(".", "")
    with zipfile.ZipFile(_zip()) as z:
        libraries = [n for n in z.namelist() if re.search(r"\.so(\.[\d.]+)?$", n)]
        assert any(n.startswith("Crypto/") for n in libraries) and any(n.startswith("PIL/") for n in libraries)
        assert any(n.startswith("pillow.libs/") for n in libraries)
        for name in libraries:
            header = z.read(name)[:20]
            assert header[:4] == b"\x7fELF", name
            assert int.from_bytes(header[18:20], "little") == ELF_MACHINE[target["architecture"]], name
            tag = re.search(r"\.cpython-(\d+)-", name)
            assert tag is None or tag.group(1) == version, name
