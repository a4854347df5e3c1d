"""`make package`: the Lambda package and its CloudFormation template, built for the runtime infra/lambda.json names.

    python -m infra.package --stage prod --out out

Chalice takes the Lambda runtime from the Python that runs it; here it comes from infra/lambda.json instead
(`runtime`, `architecture`), so a package built from a 3.11 `.venv` still runs on python3.13 arm64. A runtime whose
function creation AWS has blocked is refused.

The requirements are installed here, not by Chalice (whose packager can't take some python3.13 wheels, Pillow's
among them, and then ships the zip without them): every requirement is installed from its wheel for that Python
version and architecture into the vendor/ folder of a staging copy of the app, beside the project's own vendor/,
and Chalice packages that copy with an empty requirements.txt. A dependency with no such wheel stops the build with
one line instead of shipping a library compiled for this machine, and so does a zip missing a requirement.

The zip carries the bytecode of every module, compiled by the runtime's Python version when this machine has it
(`LAMBDA_PYTHON`, `python3.X` on PATH, or pyenv's): Lambda's code folder is read-only, so without it every cold start
compiles each module from source again.
"""
import argparse
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = os.path.join(PROJECT, "infra", "lambda.json")
ARCHITECTURES = {"arm64": "aarch64", "x86_64": "x86_64"}
# AWS's Python runtimes: (deprecated, function creation blocked, function update blocked), from
# docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html. Update when AWS adds a runtime.
RUNTIMES = {
    "python3.10": ("2026-06-30", "2026-07-31", "2026-08-31"),
    "python3.11": ("2026-06-30", "2026-07-31", "2026-08-31"),
    "python3.12": ("2028-10-31", "2028-11-30", "2029-01-10"),
    "python3.13": ("2029-06-30", "2029-07-31", "2029-08-31"),
    "python3.14": ("2029-06-30", "2029-07-31", "2029-08-31"),
}
DEFAULT_CHALICE_STAGE = "prod"  # .chalice/config.json's settings for stages that declare none of their own


class PackageError(Exception):
    """The package can't be built as configured; the message says what to change."""


def settings(path: str = SETTINGS) -> dict:
    """infra/lambda.json, checked: {"runtime": "python3.X", "architecture": "arm64"|"x86_64"}."""
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    runtime, arch = raw.get("runtime"), raw.get("architecture")
    if runtime not in RUNTIMES:
        raise PackageError(f"infra/lambda.json: runtime {runtime!r} is not a Lambda Python runtime this project "
                           f"knows ({', '.join(RUNTIMES)}).")
    if arch not in ARCHITECTURES:
        raise PackageError(f"infra/lambda.json: architecture must be arm64 or x86_64, not {arch!r}.")
    return {"runtime": runtime, "architecture": arch}


def check_runtime(runtime: str, today: datetime.date) -> None:
    """Refuse a runtime AWS no longer lets a stack create functions with."""
    deprecated, create_blocked, _ = (datetime.date.fromisoformat(d) for d in RUNTIMES[runtime])
    if today >= create_blocked:
        raise PackageError(f"infra/lambda.json: Lambda stopped accepting new {runtime} functions on "
                           f"{create_blocked}; set runtime to {newest_runtime()} (docs/production.md).")
    if today >= deprecated:
        print(f"warning: {runtime} is deprecated on Lambda since {deprecated}; move to {newest_runtime()}.",
              file=sys.stderr)


def newest_runtime() -> str:
    return max(RUNTIMES, key=lambda r: tuple(int(p) for p in r[len("python"):].split(".")))


def pip_target(runtime: str, architecture: str) -> list:
    """pip's options that select wheels for the Lambda runtime (Amazon Linux 2023: glibc 2.34)."""
    version = runtime[len("python"):]
    machine = ARCHITECTURES[architecture]
    return ["--only-binary=:all:", "--python-version", version, "--implementation", "cp",
            "--abi", f"cp{version.replace('.', '')}", "--abi", "abi3", "--abi", "none",
            "--platform", f"manylinux_2_34_{machine}", "--platform", f"manylinux2014_{machine}",
            "--platform", "any"]


def install_requirements(runtime: str, architecture: str, requirements: str, dest: str) -> None:
    """Every requirement (with its dependencies) installed into `dest` from its wheel for the target; if one has
    none, one line naming it."""
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
           "--target", dest, "-r", requirements, *pip_target(runtime, architecture)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        missing = next((line.strip() for line in done.stderr.splitlines()
                        if "No matching distribution" in line or "Could not find a version" in line),
                       done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "pip install failed")
        other = "x86_64" if architecture == "arm64" else "arm64"
        raise PackageError(f"requirements.txt has no wheel for {runtime} on {architecture} ({missing}); set "
                           f"architecture to {other} in infra/lambda.json or pick a version that ships one.")
    shutil.rmtree(os.path.join(dest, "bin"), ignore_errors=True)  # console scripts: nothing runs them on Lambda


def pinned(requirements: str) -> dict:
    """{canonical name: version} of requirements.txt's `name==version` lines."""
    with open(requirements, encoding="utf-8") as f:
        pins = (line.split("#")[0].strip() for line in f)
        return {_canonical(name): version for name, _, version in (p.partition("==") for p in pins if p)}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def missing_requirements(zip_path: str, requirements: str) -> list:
    """The `name==version` pins of requirements.txt whose installed distribution (its .dist-info) the zip lacks."""
    with zipfile.ZipFile(zip_path) as zf:
        installed = {_canonical(top[:-len(".dist-info")]) for top in {n.split("/")[0] for n in zf.namelist()}
                     if top.endswith(".dist-info")}
    return [f"{name}=={version}" for name, version in pinned(requirements).items()
            if _canonical(f"{name}-{version}") not in installed]


def staged_app(stage_dir: str, runtime: str, architecture: str) -> str:
    """A copy of what Chalice packages (app.py, chalicelib/, .chalice/'s settings, vendor/) whose vendor/ also holds
    the requirements installed for the target and whose requirements.txt is empty. Returns its folder."""
    app_dir = os.path.join(stage_dir, "app")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "deployments")
    for name in ("chalicelib", ".chalice", "vendor"):
        shutil.copytree(os.path.join(PROJECT, name), os.path.join(app_dir, name), ignore=skip)  # follows links
    shutil.copy(os.path.join(PROJECT, "app.py"), app_dir)
    install_requirements(runtime, architecture, os.path.join(PROJECT, "requirements.txt"),
                         os.path.join(app_dir, "vendor"))
    open(os.path.join(app_dir, "requirements.txt"), "w").close()
    return app_dir


def _runs(python: str, version: str) -> bool:
    try:
        out = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30)
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == version


def find_runtime_python(version: str) -> str | None:
    """An interpreter of the runtime's Python version on this machine, or None."""
    candidates = [os.environ.get("LAMBDA_PYTHON", ""), shutil.which(f"python{version}") or ""]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}")),
                         reverse=True)
    candidates += [f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    return next((c for c in candidates if c and _runs(c, version)), None)


def add_bytecode(zip_path: str, python: str) -> int:
    """Adds `__pycache__/*.pyc` for every module of the zip, compiled by `python` (the runtime's version: a .pyc
    loads only in the version that wrote it). Unchecked-hash pycs: used without comparing the source's modification
    time, which a zip keeps only to two seconds. Returns how many were added."""
    with tempfile.TemporaryDirectory() as tree:
        with zipfile.ZipFile(zip_path) as zf:
            sources = [n for n in zf.namelist() if n.endswith(".py")]
            for name in sources:
                zf.extract(name, tree)
        subprocess.run([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                        "-s", tree, tree], check=True, stdout=subprocess.DEVNULL)
        compiled = sorted(os.path.relpath(path, tree)
                          for path in glob.glob(os.path.join(tree, "**", "__pycache__", "*.pyc"), recursive=True))
        with zipfile.ZipFile(zip_path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
            known = set(zf.namelist())
            for name in compiled:
                if name not in known:
                    zf.write(os.path.join(tree, name), name)
    return len(compiled)


def chalice_stage(stage: str, config_path: str = os.path.join(PROJECT, ".chalice", "config.json")) -> str:
    """The Chalice stage whose settings package `stage`: its own if .chalice/config.json has one, else prod's."""
    with open(config_path, encoding="utf-8") as f:
        stages = json.load(f).get("stages", {})
    return stage if stage in stages and stage != "local" else DEFAULT_CHALICE_STAGE


def build(stage: str, out: str, merge_template: str, runtime: str, architecture: str) -> None:
    """chalice package of the staged app, with the runtime and architecture set here rather than taken from this
    interpreter; stops if the zip lacks a requirement."""
    from chalice.cli.factory import CLIFactory
    from chalice.config import Config

    class TargetConfig(Config):
        @property
        def lambda_python_version(self) -> str:
            return runtime

    with tempfile.TemporaryDirectory() as stage_dir:
        factory = CLIFactory(project_dir=staged_app(stage_dir, runtime, architecture))
        config = factory.create_config_obj(chalice_stage(stage),
                                           user_provided_params={"lambda_architecture": architecture})
        config.__class__ = TargetConfig
        packager = factory.create_app_packager(config, factory.create_package_options(), "cloudformation", "yaml",
                                               os.path.abspath(merge_template))
        packager.package_app(config, os.path.abspath(out), chalice_stage(stage))
    zip_path = os.path.join(out, "deployment.zip")
    missing = missing_requirements(zip_path, os.path.join(PROJECT, "requirements.txt"))
    if missing:
        os.remove(zip_path)
        raise PackageError(f"the package lacks {', '.join(missing)} of requirements.txt; the zip was removed.")
    route_api_to_alias(os.path.join(out, "sam.yaml"))
    python = find_runtime_python(runtime[len("python"):])
    if python is None:
        print(f"note: no {runtime} on this machine, so the zip carries no bytecode (each cold start compiles the "
              "code; set LAMBDA_PYTHON to one)", file=sys.stderr)
    else:
        added = add_bytecode(zip_path, python)
        print(f"Added the bytecode of {added} modules, compiled by {runtime}.", flush=True)


def route_api_to_alias(sam_path: str) -> None:
    """The REST API's integrations invoke APIHandler's alias (`live`, from AutoPublishAlias in infra/template.yaml)
    rather than $LATEST: only a published version runs from a SnapStart snapshot. Chalice writes them as
    `${APIHandler.Arn}` in every route of the API's definition."""
    with open(sam_path, encoding="utf-8") as f:
        text = f.read()
    with open(sam_path, "w", encoding="utf-8") as f:
        f.write(text.replace("${APIHandler.Arn}", "${APIHandlerAliaslive}"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", default="out")
    parser.add_argument("--merge-template", default=os.path.join("infra", "template.yaml"))
    parser.add_argument("--architecture", choices=sorted(ARCHITECTURES),
                        help="build for this architecture instead of infra/lambda.json's (make test-artifact runs "
                             "the package on this machine)")
    args = parser.parse_args(argv)
    try:
        target = settings()
        target["architecture"] = args.architecture or target["architecture"]
        check_runtime(target["runtime"], datetime.date.today())
        print(f"Packaging for {target['runtime']} on {target['architecture']} (infra/lambda.json)…", flush=True)
        build(args.stage, args.out, args.merge_template, target["runtime"], target["architecture"])
    except PackageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
