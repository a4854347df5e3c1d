"""`make secrets STAGE=<s>`: the stage's secrets into SSM Parameter Store (SecureString).

    python -m infra.secrets --stage prod [--overwrite]

Writes exactly the parameters the deployed functions read (infra/stage.py): /wxbase/<stage>/jwt-secret and
/wxbase/<stage>/admin-keys, generated when not given, /wxbase/<stage>/service-keys (docs/functions.md; `[]` when
not given), and for each app of the stage file /wxbase/<stage>/<appid>/secret, .../token and .../aes-key, taken
from the environment or asked for. An empty answer for a Token or EncodingAESKey generates one; enter the same
values in the app's message-push settings (read them back with `aws ssm get-parameter --with-decryption --name
<name>`). Parameters that exist are kept unless --overwrite. Every value is checked before anything is written, and
no value is ever printed.

Environment: WXBASE_JWT_SECRET, WXBASE_ADMIN_KEYS, WXBASE_SERVICE_KEYS, and per app <APPID>_SECRET,
<APPID>_TOKEN, <APPID>_AES_KEY (the AppID in capitals, e.g. WX0123456789ABCDEF_SECRET).
"""
import argparse
import getpass
import re
import secrets
import string
import sys

from infra import aws_errors
from infra.stage import Stage, StageError, load

CHECKS = {
    "secret": (re.compile(r"^[0-9a-f]{32}$"), "an AppSecret is 32 hex digits"),
    "token": (re.compile(r"^[A-Za-z0-9]{3,32}$"), "a Token is 3 to 32 letters or digits"),
    "aes-key": (re.compile(r"^[A-Za-z0-9]{43}$"), "an EncodingAESKey is 43 letters or digits"),
    "jwt-secret": (re.compile(r"^.{32,4096}$", re.S), "the JWT secret needs at least 32 characters"),
    "admin-keys": (re.compile(r"^[^,\s]{24,}(,[^,\s]{24,})*$"), "admin keys are comma-separated, 24+ characters each"),
    "service-keys": (re.compile(r"^\s*\[.*\]\s*$", re.S),
                     'service keys are a JSON list: [{"name", "key", "functions"}]'),
}
ALNUM = string.ascii_letters + string.digits


def _random(length: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(length))


GENERATORS = {
    "jwt-secret": lambda: secrets.token_urlsafe(48),
    "admin-keys": lambda: secrets.token_urlsafe(32),
    "service-keys": lambda: "[]",
    "token": lambda: _random(32),
    "aes-key": lambda: _random(43),
}


def _kind(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def env_name(stage: Stage, name: str) -> str:
    kind = _kind(name)
    if kind in ("jwt-secret", "admin-keys", "service-keys"):
        return {"jwt-secret": "WXBASE_JWT_SECRET", "admin-keys": "WXBASE_ADMIN_KEYS",
                "service-keys": "WXBASE_SERVICE_KEYS"}[kind]
    appid = name.split("/")[-2]
    return f"{appid.upper()}_{kind.upper().replace('-', '_')}"


def existing(ssm, names) -> set:
    found = set()
    names = list(names)
    for start in range(0, len(names), 10):
        reply = ssm.get_parameters(Names=names[start:start + 10])
        found.update(p["Name"] for p in reply.get("Parameters", []))
    return found


def collect(stage: Stage, present: set, environ, ask, overwrite=False) -> list:
    """[(name, value)] to write: every value checked first, so a bad answer writes nothing."""
    chosen = []
    for name, label, how in stage.secret_parameters():
        if name in present and not overwrite:
            continue
        kind = _kind(name)
        value = environ.get(env_name(stage, name), "").strip()
        if not value and how == "ask":
            value = ask(f"{label} ({name}): ").strip()
        elif not value and how == "ask-or-generate":
            value = ask(f"{label} ({name}), empty to generate one: ").strip()
        if not value and kind in GENERATORS:
            value = GENERATORS[kind]()
        pattern, rule = CHECKS[kind]
        if not pattern.match(value):
            hint = "" if value else f" Set {env_name(stage, name)} or answer the prompt."
            raise StageError(f"{name}: {rule}.{hint}")
        chosen.append((name, value))
    return chosen


def run(stage: Stage, ssm, environ, ask, overwrite=False, log=print) -> list:
    """Write the stage's secrets; returns the names written."""
    names = [name for name, _, _ in stage.secret_parameters()]
    present = existing(ssm, names)
    chosen = collect(stage, present, environ, ask, overwrite)
    for name, value in chosen:
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=overwrite or name in present)
        log(f"wrote {name}")
    for name in names:
        if name in present and name not in dict(chosen):
            log(f"kept  {name} (exists; --overwrite to replace)")
    return [name for name, _ in chosen]


def _prompt(text: str) -> str:
    if not sys.stdin.isatty():
        raise StageError(f"{text.strip()} is needed: set it in the environment (see `python -m infra.secrets -h`) "
                         "or run this in a terminal.")
    return getpass.getpass(text)


def main(argv=None) -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--overwrite", action="store_true", help="replace parameters that exist")
    args = parser.parse_args(argv)

    def write() -> None:
        import boto3

        stage = load(args.stage)
        ssm = boto3.session.Session(region_name=stage.region).client("ssm")
        run(stage, ssm, os.environ, _prompt, overwrite=args.overwrite)

    return aws_errors.run(args.stage, write)


if __name__ == "__main__":
    sys.exit(main())
