"""A stage's deployment settings, all in one file: infra/stages/<stage>.json.

The file names the region, the stack, the WeChat apps (appids and options: never a secret value) and the optional
domains, certificates and fixed egress IP. Secrets live in SSM under /wxbase/<stage>/: the JWT secret, admin keys
and the functions' service keys, and for each app `<appid>/secret`, `<appid>/token` and `<appid>/aes-key`. `make
secrets` writes exactly those parameters and `make deploy` hands the template references to exactly those, so the
two can't disagree. The functions' IAM policies allow reading /wxbase/<stage>/* and nothing else.
"""
import json
import os
import re
from dataclasses import dataclass

STAGES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stages")
STAGE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
APPID = re.compile(r"^wx[0-9a-f]{16}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# app field → SSM parameter name under /wxbase/<stage>/<appid>/
SECRET_FIELDS = {"secret": "secret", "token": "token", "encodingAESKey": "aes-key"}
OPTIONAL_SECRET_FIELDS = {"encodingAESKeyPrevious": "aes-key-previous"}
# A WeChat Pay merchant's keys in SSM (/wxbase/<stage>/pay/<mchid>/…): the secrets, and the WeChat Pay public key
# and platform certificate, which aren't secret but don't fit in Lambda's 4 KB environment.
MERCHANT_SSM_FIELDS = {"privateKey": "private-key", "apiV3Key": "api-v3-key"}
MERCHANT_OPTIONAL_SSM_FIELDS = {"publicKey": "wechatpay-public-key"}
MAX_APPS_BYTES = 3500  # Lambda's whole environment holds 4 KB; the other variables take ~400 bytes


class StageError(Exception):
    """The stage file is missing, incomplete or unsafe; the message says what to change."""


@dataclass(frozen=True)
class Stage:
    name: str
    region: str
    stack_name: str
    artifact_bucket: str
    apps: tuple
    merchants: tuple = ()
    api_domain: str = ""
    api_certificate_arn: str = ""
    api_base_path: str = ""
    realtime_domain: str = ""
    realtime_certificate_arn: str = ""
    files_domain: str = ""
    files_certificate_arn: str = ""
    files_iam_certificate_id: str = ""
    fixed_egress_ip: bool = False
    snap_start: bool = False
    create_cdn: bool = False
    backup_retention_days: int = 30

    @property
    def partition(self) -> str:
        return "aws-cn" if self.region.startswith("cn-") else "aws"

    @property
    def url_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"

    def ssm_path(self, *parts: str) -> str:
        return "/".join(("", "wxbase", self.name) + parts)

    def apps_json(self) -> str:
        return json.dumps(list(self.apps), separators=(",", ":"), ensure_ascii=False)

    def parameters(self) -> dict:
        """The CloudFormation parameters of infra/template.yaml for this stage."""
        return {
            "Stage": self.name,
            "Apps": self.apps_json(),
            "Merchants": json.dumps(list(self.merchants), separators=(",", ":"), ensure_ascii=False),
            "CreateCdn": _flag(self.create_cdn),
            "ApiDomainName": self.api_domain,
            "ApiCertificateArn": self.api_certificate_arn,
            "ApiBasePath": self.api_base_path,
            "RealtimeDomainName": self.realtime_domain,
            "RealtimeCertificateArn": self.realtime_certificate_arn,
            "FilesDomainName": self.files_domain,
            "FilesCertificateArn": self.files_certificate_arn,
            "FilesIamCertificateId": self.files_iam_certificate_id,
            "FixedEgressIp": _flag(self.fixed_egress_ip),
            "SnapStart": _flag(self.snap_start),
            "BackupRetentionDays": str(self.backup_retention_days),
        }

    def secret_parameters(self) -> list:
        """[(SSM name, what it is, how it is made)] for `make secrets`: "generate" or "ask"."""
        found = [(self.ssm_path("jwt-secret"), "JWT secret", "generate"),
                 (self.ssm_path("admin-keys"), "admin key", "generate"),
                 (self.ssm_path("service-keys"), "service keys of the functions (JSON, [] for none)", "generate")]
        for app in self.apps:
            label = f"{app['appid']} ({app.get('type', 'miniprogram')})"
            found.append((_ssm_name(app["secret"]), f"{label} AppSecret", "ask"))
            found.append((_ssm_name(app["token"]), f"{label} message-push Token", "ask-or-generate"))
            found.append((_ssm_name(app["encodingAESKey"]), f"{label} message-push EncodingAESKey", "ask-or-generate"))
        for merchant in self.merchants:
            label = f"WeChat Pay merchant {merchant['mchid']}"
            found.append((_ssm_name(merchant["privateKey"]), f"{label} API private key (apiclient_key.pem)", "ask"))
            found.append((_ssm_name(merchant["apiV3Key"]), f"{label} APIv3 key", "ask"))
            if merchant.get("publicKey"):
                found.append((_ssm_name(merchant["publicKey"]), f"{label} WeChat Pay public key (PEM)", "ask"))
            for i, certificate in enumerate(merchant.get("platformCertificates", [])):
                found.append((_ssm_name(certificate), f"{label} platform certificate {i + 1} (PEM)", "ask"))
        return found


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _ssm_name(reference: str) -> str:
    return reference[len("ssm:"):]


def stage_file(name: str, stages_dir: str = STAGES_DIR) -> str:
    return os.path.join(stages_dir, f"{name}.json")


def load(name: str, stages_dir: str = STAGES_DIR, environ=os.environ) -> Stage:
    """The stage's settings, checked; `ARTIFACT_BUCKET` in the environment overrides the file's artifactBucket."""
    if not STAGE_NAME.match(name or ""):
        raise StageError(f"Stage name {name!r}: use lowercase letters, digits and '-' (e.g. prod).")
    path = stage_file(name, stages_dir)
    shown = os.path.relpath(path)
    if not os.path.exists(path):
        raise StageError(f"No {shown}: copy infra/stages/prod.json to it and fill it in.")
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except ValueError as exc:
        raise StageError(f"{shown} is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise StageError(f"{shown} must hold a JSON object.")
    region = raw.get("region", "")
    if not isinstance(region, str) or not REGION.match(region):
        raise StageError(f"{shown}: region must be an AWS region such as ap-east-1 or cn-north-1.")
    stage = Stage(
        name=name, region=region, stack_name=_text(raw, "stackName", shown) or f"wxbase-{name}",
        artifact_bucket=environ.get("ARTIFACT_BUCKET") or _text(raw, "artifactBucket", shown), apps=(),
        api_domain=_text(raw.get("apiDomain") or {}, "name", shown).lower(),
        api_certificate_arn=_text(raw.get("apiDomain") or {}, "certificateArn", shown),
        api_base_path=_text(raw.get("apiDomain") or {}, "basePath", shown).strip("/"),
        realtime_domain=_text(raw.get("realtimeDomain") or {}, "name", shown).lower(),
        realtime_certificate_arn=_text(raw.get("realtimeDomain") or {}, "certificateArn", shown),
        files_domain=_text(raw.get("filesDomain") or {}, "name", shown).lower(),
        files_certificate_arn=_text(raw.get("filesDomain") or {}, "certificateArn", shown),
        files_iam_certificate_id=_text(raw.get("filesDomain") or {}, "iamCertificateId", shown),
        fixed_egress_ip=_bool(raw, "fixedEgressIp", shown), create_cdn=_bool(raw, "createCdn", shown),
        snap_start=_bool(raw, "snapStart", shown),
        backup_retention_days=_days(raw, "backupRetentionDays", shown),
    )
    stage = _with_apps(stage, raw.get("apps"), shown)
    stage = _with_merchants(stage, raw.get("merchants", []), shown)
    _check_domains(stage, shown)
    return stage


def _text(obj, key, shown):
    value = obj.get(key, "") if isinstance(obj, dict) else ""
    if not isinstance(value, str):
        raise StageError(f"{shown}: {key} must be a string.")
    return value.strip()


def _bool(obj, key, shown):
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise StageError(f"{shown}: {key} must be true or false.")
    return value


def _days(obj, key, shown):
    value = obj.get(key, 30)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 36500:
        raise StageError(f"{shown}: {key} must be a whole number of days from 1 to 36500.")
    return value


def _with_apps(stage: Stage, apps, shown: str) -> Stage:
    from dataclasses import replace

    from chalicelib.core.settings import parse_apps

    if not isinstance(apps, list) or not apps:
        raise StageError(f"{shown}: apps must list at least one WeChat app.")
    resolved = []
    for i, app in enumerate(apps):
        if not isinstance(app, dict):
            raise StageError(f"{shown}: apps[{i}] must be an object.")
        appid = app.get("appid", "")
        if not isinstance(appid, str) or not APPID.match(appid):
            raise StageError(f"{shown}: apps[{i}].appid {appid!r} is not an AppID (wx + 16 hex digits). Put your "
                             "app's AppID there (mp.weixin.qq.com → 开发管理 → 开发设置).")
        app = dict(app)
        for field, ssm in {**SECRET_FIELDS, **OPTIONAL_SECRET_FIELDS}.items():
            default = f"ssm:{stage.ssm_path(appid, ssm)}"
            value = app.get(field, default if field in SECRET_FIELDS else None)
            if value is None:
                continue
            if not isinstance(value, str) or not value.startswith(f"ssm:{stage.ssm_path()}/"):
                raise StageError(
                    f"{shown}: apps[{i}].{field} must be left out (it then means {default}) or be an "
                    f"ssm:{stage.ssm_path()}/… reference: secret values never go in this file, and the functions "
                    f"may read only {stage.ssm_path()}/*.")
            app[field] = value
        resolved.append(app)
    apps_json = _checked_json(resolved, parse_apps, shown)
    if len(apps_json.encode()) > MAX_APPS_BYTES:
        raise StageError(f"{shown}: the apps take {len(apps_json.encode())} bytes as JSON; "
                         f"Lambda's 4 KB environment leaves {MAX_APPS_BYTES} for them. Shorten autoReplies.")
    return replace(stage, apps=tuple(resolved))


def _checked_json(items: list, parser, shown: str) -> str:
    """The list as the functions' environment holds it, parsed by the functions' own parser (its message on error)."""
    from chalicelib.core.settings import ConfigError

    text = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    try:
        parser(text)
    except ConfigError as exc:
        raise StageError(f"{shown}: {exc.message}") from None
    return text


def _with_merchants(stage: Stage, merchants, shown: str) -> Stage:
    """WeChat Pay merchants (docs/payments.md): ids and appids in the file, every key an ssm: reference."""
    from dataclasses import replace

    from chalicelib.payments.merchants import parse

    if not isinstance(merchants, list):
        raise StageError(f"{shown}: merchants must be a list.")
    resolved = []
    for i, merchant in enumerate(merchants):
        if not isinstance(merchant, dict) or not isinstance(merchant.get("mchid"), str) or not merchant["mchid"]:
            raise StageError(f"{shown}: merchants[{i}] needs a mchid.")
        merchant = dict(merchant)
        references = [(f, stage.ssm_path("pay", merchant["mchid"], n)) for f, n in MERCHANT_SSM_FIELDS.items()]
        if merchant.get("publicKeyId"):
            references += [(f, stage.ssm_path("pay", merchant["mchid"], n))
                           for f, n in MERCHANT_OPTIONAL_SSM_FIELDS.items()]
        for field, path in references:
            merchant.setdefault(field, f"ssm:{path}")
        values = [merchant[f] for f, _ in references] + list(merchant.get("platformCertificates") or [])
        if not all(isinstance(v, str) and v.startswith(f"ssm:{stage.ssm_path()}/") for v in values):
            raise StageError(f"{shown}: merchants[{i}]: privateKey, apiV3Key, publicKey and platformCertificates "
                             f"must be left out or be ssm:{stage.ssm_path()}/… references (keys never go in this "
                             "file, and PEM text doesn't fit Lambda's environment).")
        resolved.append(merchant)
    merchants_json = _checked_json(resolved, parse, shown)
    if len(merchants_json.encode()) + len(stage.apps_json().encode()) > MAX_APPS_BYTES:
        raise StageError(f"{shown}: apps and merchants take more than the {MAX_APPS_BYTES} bytes Lambda's 4 KB "
                         "environment leaves for them.")
    return replace(stage, merchants=tuple(resolved))


def _check_domains(stage: Stage, shown: str) -> None:
    partition = stage.partition
    acm = r"^arn:{p}:acm:{r}:\d{{12}}:certificate/[0-9a-f-]+$"
    if stage.api_domain:
        if not re.match(acm.format(p=re.escape(partition), r=re.escape(stage.region)), stage.api_certificate_arn):
            raise StageError(f"{shown}: apiDomain.certificateArn must be an ACM certificate in {stage.region} "
                             f"covering {stage.api_domain}.")
    elif stage.api_certificate_arn or stage.api_base_path:
        raise StageError(f"{shown}: apiDomain.certificateArn and basePath need apiDomain.name.")
    if stage.realtime_domain:
        if not re.match(acm.format(p=re.escape(partition), r=re.escape(stage.region)), stage.realtime_certificate_arn):
            raise StageError(f"{shown}: realtimeDomain.certificateArn must be an ACM certificate in {stage.region} "
                             f"covering {stage.realtime_domain}.")
        if stage.realtime_domain in (stage.api_domain, stage.files_domain):
            raise StageError(f"{shown}: realtimeDomain.name must be a domain of its own (e.g. live.example.com).")
    elif stage.realtime_certificate_arn:
        raise StageError(f"{shown}: realtimeDomain.certificateArn needs realtimeDomain.name.")
    if stage.files_domain:
        if partition == "aws-cn":
            if not stage.files_iam_certificate_id:
                raise StageError(f"{shown}: in China CloudFront takes an IAM server certificate, not ACM: upload "
                                 f"one for {stage.files_domain} and put its ID in filesDomain.iamCertificateId.")
        elif not re.match(acm.format(p="aws", r="us-east-1"), stage.files_certificate_arn):
            raise StageError(f"{shown}: filesDomain.certificateArn must be an ACM certificate in us-east-1 "
                             f"(CloudFront's region for certificates) covering {stage.files_domain}.")
    elif stage.files_certificate_arn or stage.files_iam_certificate_id:
        raise StageError(f"{shown}: filesDomain certificates need filesDomain.name.")
    if stage.create_cdn and partition == "aws-cn":
        raise StageError(f"{shown}: createCdn is for global regions (CloudFront in China serves only ICP-filed "
                         "aliases); use filesDomain.")
