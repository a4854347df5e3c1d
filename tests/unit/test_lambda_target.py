"""infra/package.py's choice of Lambda target: the runtime from infra/lambda.json, refused once AWS blocks it, and
the Chalice stage any stage file packages with."""
import datetime
import json
import subprocess
import sys
import zipfile

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


def test_the_zip_carries_bytecode_that_loads_without_its_source_being_compiled(tmp_path):
    """add_bytecode's pycs are what the runtime loads: unchecked-hash, so a source changed after packaging (or a
    modification time the zip rounded) doesn't send Python back to compiling."""
    zip_path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("pkg/__init__.py", "")
        zf.writestr("pkg/mod.py", "VALUE = 'compiled'\n")
        zf.writestr("pkg/data.json", "{}")
    assert package.add_bytecode(str(zip_path), sys.executable) == 2
    task = tmp_path / "task"
    with zipfile.ZipFile(zip_path) as zf:
        tag = sys.implementation.cache_tag
        assert f"pkg/__pycache__/mod.{tag}.pyc" in zf.namelist()
        zf.extractall(task)
    (task / "pkg" / "mod.py").write_text("VALUE = 'source'\n")
    ran = subprocess.run([sys.executable, "-B", "-c", "import pkg.mod; print(pkg.mod.VALUE)"], cwd=task,
                         capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "compiled"


def test_a_zip_without_a_requirements_distribution_is_caught(tmp_path):
    """missing_requirements matches requirements.txt's pins to the zip's .dist-info folders whatever their spelling
    (PyJWT's wheel names it pyjwt-…, Pillow's pillow-…); a pin at another version is missing too."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# comment\nPyJWT==2.15.1\nPillow==12.2.0  # thumbnails\n\ncharset.normalizer==3.5.3\n")
    zip_path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("pyjwt-2.15.1.dist-info/METADATA", "")
        zf.writestr("charset_normalizer-3.5.3.dist-info/METADATA", "")
        zf.writestr("pillow-12.1.0.dist-info/METADATA", "")
        zf.writestr("PIL/Image.py", "")
    assert package.missing_requirements(str(zip_path), str(requirements)) == ["pillow==12.2.0"]
