"""boto3 clients for the commands that talk to AWS, and AWS errors as one line.

Every boto3 client of the project is made here: `scaling status`, `scaling emergency` and the
CloudWatch history source. `AWS_ENDPOINT_URL` (and the per-service `AWS_ENDPOINT_URL_<SERVICE>`)
are honoured by boto3 itself, so tests and checks point the commands at a moto server on
127.0.0.1 without a flag.

Credentials come from the usual chain (environment, profile, SSO, container), except the EC2
instance metadata service: unless `AWS_EC2_METADATA_DISABLED` is set, it is disabled, so a
machine without credentials gets one clear line at once instead of a probe of 169.254.169.254
(on an EC2 host with an instance role, set AWS_EC2_METADATA_DISABLED=false).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

# Standard retry mode backs off on throttling and transient errors (jittered exponential); this many
# attempts in all before a throttled call is reported. Timeouts keep a dead endpoint from hanging.
MAX_ATTEMPTS = 5
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30


def attempts() -> int:
    """MAX_ATTEMPTS, or botocore's own AWS_MAX_ATTEMPTS when set."""
    value = os.environ.get("AWS_MAX_ATTEMPTS", "")
    return int(value) if value.isdigit() and int(value) > 0 else MAX_ATTEMPTS

THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
                              "RequestThrottled", "SlowDown"})
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "InvalidClientTokenId",
                          "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException", "AuthFailure",
                          "UnrecognizedClientException"})
NO_CREDENTIALS = ("no AWS credentials found; set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                  "(and AWS_ENDPOINT_URL for a local endpoint such as moto)")


class AwsError(Exception):
    """An AWS call that could not be made or was refused. `str()` is one line; `kind` is one of
    credentials | throttled | denied | endpoint | failed."""

    def __init__(self, message: str, kind: str = "failed"):
        super().__init__(message)
        self.kind = kind


def _session() -> boto3.session.Session:
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    return boto3.session.Session()


# Environment that changes which client one gets: a new value means a new client.
_CLIENT_ENV = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
               "AWS_MAX_ATTEMPTS", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
_CLIENTS: dict[tuple[Any, ...], Any] = {}


def client(service: str, region: str) -> Any:
    """A boto3 client for `service` in `region`, with standard retries and timeouts. Clients are reused
    (making one loads the service model: ~0.1 s) while the AWS environment variables stay the same."""
    key = (service, region, *(os.environ.get(name) for name in _CLIENT_ENV))
    if key not in _CLIENTS:
        config = Config(retries={"mode": "standard", "max_attempts": attempts()},
                        connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S)
        _CLIENTS[key] = _session().client(service, region_name=region, config=config)
    return _CLIENTS[key]


def require_credentials() -> None:
    """Raise AwsError(kind="credentials") when the chain finds no credentials (before any call)."""
    try:
        found = _session().get_credentials()
    except BotoCoreError as err:  # a broken profile or SSO cache: say which
        raise AwsError(f"AWS credentials could not be loaded: {err}", "credentials") from None
    if found is None:
        raise AwsError(NO_CREDENTIALS, "credentials")


def endpoint() -> str:
    """Where the calls go, for messages: AWS_ENDPOINT_URL or 'AWS'."""
    return os.environ.get("AWS_ENDPOINT_URL") or "AWS"


@contextmanager
def translated(what: str, region: str) -> Iterator[None]:
    """Turn botocore errors raised inside into one-line AwsError naming `what` and the region."""
    try:
        yield
    except (NoCredentialsError, PartialCredentialsError):
        raise AwsError(NO_CREDENTIALS, "credentials") from None
    except ClientError as err:
        error = err.response.get("Error", {})
        code, message = error.get("Code", "Unknown"), " ".join(str(error.get("Message", "")).split())
        if code in THROTTLING_CODES:
            raise AwsError(f"{what} in {region}: throttled by AWS ({code}) after {attempts()} attempts; "
                           "retry in a minute", "throttled") from None
        if code in DENIED_CODES:
            raise AwsError(f"{what} in {region}: refused ({code}: {message}); the credentials need this "
                           "permission", "denied") from None
        raise AwsError(f"{what} in {region}: {code}: {message}", "failed") from None
    except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError) as err:
        raise AwsError(f"{what} in {region}: cannot reach {endpoint()} ({err.__class__.__name__}); check "
                       "AWS_ENDPOINT_URL and the network", "endpoint") from None
    except ResponseParserError:  # e.g. an HTML error page from an endpoint that lacks the call (moto)
        raise AwsError(f"{what} in {region}: {endpoint()} answered with an unreadable response (the call may not "
                       "be supported there)", "failed") from None
    except NoRegionError:
        raise AwsError(f"{what}: no region given", "failed") from None
    except BotoCoreError as err:
        raise AwsError(f"{what} in {region}: {' '.join(str(err).split())}", "failed") from None
