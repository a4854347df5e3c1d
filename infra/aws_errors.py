"""AWS failures of `make deploy` and `make secrets` as one line that names the fix, instead of a traceback."""
from botocore.exceptions import (ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError,
                                 PartialCredentialsError, TokenRetrievalError)

CREDENTIALS = ("no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE or "
               "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
BAD_CREDENTIAL_CODES = {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
                        "ExpiredToken", "ExpiredTokenException", "InvalidAccessKeyId", "AuthFailure"}


def explain(exc: Exception, stage_file: str, region: str) -> str | None:
    """The one line for an AWS failure, or None when it isn't one this knows."""
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError, TokenRetrievalError)):
        return CREDENTIALS + "."
    if isinstance(exc, NoRegionError):
        return f"no AWS region: set region in {stage_file}."
    if isinstance(exc, EndpointConnectionError):
        return (f"can't reach AWS in {region!r}: check region in {stage_file} (e.g. ap-east-1, cn-north-1) and "
                "this machine's network.")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", ""), error.get("Message", "")
        operation = getattr(exc, "operation_name", "")
        if code in BAD_CREDENTIAL_CODES:
            return (f"AWS refused the credentials ({code}) in {region}: they are expired, wrong, or for another "
                    f"partition (China regions need a China account); {CREDENTIALS}.")
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return f"these AWS credentials may not call {operation} ({message}); use an identity allowed to deploy."
        if code == "ParameterNotFound":
            return f"a secret is missing from SSM ({message}): run `make secrets STAGE=<stage>` first."
        if code in ("NoSuchBucket", "404") and operation in ("HeadObject", "PutObject", "UploadPart"):
            return f"the artifact bucket doesn't exist in {region}: create it or fix artifactBucket in {stage_file}."
    return None


def run(stage_name: str, command) -> int:
    """Run a command of a stage (a callable returning an exit status or None); a stage problem or an AWS failure
    this knows ends it with one `error:` line and status 2."""
    import sys

    from infra.stage import StageError, load

    try:
        return command() or 0
    except StageError as exc:
        line = str(exc)
    except Exception as exc:
        try:
            region = load(stage_name).region
        except StageError:
            region = ""
        found = explain(exc, f"infra/stages/{stage_name}.json", region)
        if found is None:
            raise
        line = found
    print(f"error: {line}", file=sys.stderr)
    return 2
