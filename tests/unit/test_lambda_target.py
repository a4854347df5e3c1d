"""infra/package.py's choice of Lambda target: the runtime from infra/lambda.json, refused once AWS blocks it, and
the Chalice stage any stage file packages with."""
import datetime
import json

import pytest

from infra import package


def test_the_declared_runtime_is_one_lambda_accepts_for_years():
    target = package.settings()
    _, create_blocked, _ = package.RUNTIMES[target["runtime"]]
    assert target["runtime"] >= "python3.13"
    assert datetime.date.fromisoformat(create_blocked) > datetime.date(2029, 1, 1)


def test_a_runtime_past_its_create_block_is_refused_in_one_line():
    with pytest.raises(package.PackageError) as err:
        package.check_runtime("python3.11", datetime.date(2026, 7, 31))
    message = str(err.value)
    assert "\n" not in message and "python3.11" in message and "2026-07-31" in message
    assert package.newest_runtime() in message


def test_a_deprecated_runtime_still_packages_with_a_warning(capsys):
    package.check_runtime("python3.11", datetime.date(2026, 7, 1))
    assert "deprecated" in capsys.readouterr().err
    package.check_runtime("python3.11", datetime.date(2026, 6, 29))
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("raw, word", [({"runtime": "python3.9", "architecture": "arm64"}, "runtime"),
                                       ({"runtime": "python3.13", "architecture": "aarch64"}, "architecture")])
def test_settings_name_the_wrong_field(tmp_path, raw, word):
    path = tmp_path / "lambda.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(package.PackageError, match=word):
        package.settings(str(path))


def test_wheels_are_chosen_for_the_target_not_this_machine():
    args = package.pip_target("python3.13", "arm64")
    assert args[args.index("--python-version") + 1] == "3.13" and "--only-binary=:all:" in args
    assert "manylinux2014_aarch64" in args and not any("x86_64" in a for a in args)


def test_any_stage_packages_with_prods_settings_unless_it_declares_its_own(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"stages": {"prod": {}, "dev": {}, "local": {}}}))
    assert package.chalice_stage("dev", str(config)) == "dev"
    assert package.chalice_stage("staging-2", str(config)) == "prod"
    assert package.chalice_stage("local", str(config)) == "prod"
