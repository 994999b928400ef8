#!/usr/bin/env python3
"""Expected SigV4 signatures from botocore, the reference implementation, as JSON lines.

Generates random requests from a fixed seed -- S3 and other services, keys with spaces, `+`,
`%`, `~`, unicode and dot segments, query strings with empty values and repeated names,
headers with stray whitespace and repeated names, session tokens, signed, pre-hashed and
unsigned payloads, different regions, ports and times -- signs each with botocore's
`S3SigV4Auth`/`SigV4Auth` (header signing) or `S3SigV4QueryAuth`/`SigV4QueryAuth`
(presigned URLs), with botocore's clock (`botocore.auth.get_current_datetime`) pinned to the
case's time, and prints one JSON object per line: the inputs and botocore's canonical request,
resulting headers (`Authorization` included) or presigned URL.

Usage: python botocore_signatures.py [COUNT]   (needs botocore)
"""

import datetime
import hashlib
import json
import random
import sys
from unittest import mock
from urllib.parse import quote

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

SEED = 20150830
CREDENTIALS = [
    ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None),
    ("ASIAEXAMPLE2", "a+b/c=d+e/f", "FQoGZXIvYXdzEPT//////////wEXAMPLE+token/with==padding"),
    ("AKIAIOSFODNN7EXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", None),
    ("ASIATEMPORARY", "tempsecret", "short-token"),
]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "eu-central-2"]
OTHER_SERVICES = ["ssm", "service", "sts", "execute-api", "sqs"]
KEY_CHARS = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list(" +%~!'()*&=$@,;:-_.")
    + ["é", "ሴ", "😀", "ü", "/", "//", "./", "../"]
)
QUERY_CHARS = list("abcXYZ019") + list(" +%~!'()*&=/$@,;:-_.") + ["é", "ሴ"]
HEADER_VALUE_CHARS = list("abcdefXYZ0123456789") + list("  \t!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~")


def random_text(rng, chars, low, high):
    return "".join(rng.choice(chars) for _ in range(rng.randint(low, high)))


def random_time(rng):
    start = datetime.datetime(2000, 1, 1)
    return start + datetime.timedelta(seconds=rng.randint(0, 100 * 365 * 86400))


def random_endpoint(rng, service, region):
    """(scheme://host[:port], path prefix) as a client would address the service."""
    choice = rng.randint(0, 6)
    if service == "s3":
        bucket = rng.choice(["examplebucket", "my.dotted.bucket", "wheelhouse-test"])
        if choice == 0:
            return "http://127.0.0.1:5000", f"/{bucket}"
        if choice == 1:
            return "http://localhost:9000", f"/{bucket}"
        if choice == 2:
            return f"https://s3.{region}.amazonaws.com", f"/{bucket}"
        if choice == 3:
            return f"https://{bucket.upper()}.S3.{region}.amazonaws.com:443", ""
        if choice == 4:
            return "http://[::1]:4566", f"/{bucket}"
        return f"https://{bucket}.s3.{region}.amazonaws.com", ""
    if choice == 0:
        return "http://127.0.0.1:5000", ""
    if choice == 1:
        return f"https://{service}.{region}.amazonaws.com:8443", ""
    return f"https://{service}.{region}.amazonaws.com", ""


def random_path(rng, service, prefix):
    if service == "s3":
        if rng.random() < 0.1:
            return prefix + "/"
        key = random_text(rng, KEY_CHARS, 1, 24)
        # botocore's S3 serializer: the key quoted with `/` and `~` left as they are.
        return prefix + "/" + quote(key, safe="/~")
    segments = []
    for _ in range(rng.randint(0, 4)):
        kind = rng.random()
        if kind < 0.1:
            segments.append(".")
        elif kind < 0.2:
            segments.append("..")
        elif kind < 0.3:
            segments.append("")
        else:
            segments.append(quote(random_text(rng, KEY_CHARS, 1, 10), safe="~"))
    path = "/" + "/".join(segments)
    if rng.random() < 0.3:
        path += "/"
    return path


def random_query(rng, allow_repeats):
    pairs = []
    names = []
    for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
        if allow_repeats and names and rng.random() < 0.3:
            name = rng.choice(names)
        else:
            name = random_text(rng, QUERY_CHARS, 1, 8)
            while name in names:
                name = random_text(rng, QUERY_CHARS, 1, 8)
            names.append(name)
        value = "" if rng.random() < 0.2 else random_text(rng, QUERY_CHARS, 1, 12)
        encoded = quote(name, safe="-_.~")
        if value == "" and rng.random() < 0.5:
            pairs.append(encoded)  # a bare name, no `=`
        else:
            pairs.append(encoded + "=" + quote(value, safe="-_.~"))
    return "&".join(pairs)


def random_headers(rng):
    headers = []
    for _ in range(rng.randint(0, 4)):
        name = rng.choice(
            ["Content-Type", "x-amz-meta-Project", "My-Header", "X-Custom", "If-None-Match",
             "Content-MD5", "User-Agent", "Expect", "x-amz-acl", "Range"]
        )
        value = random_text(rng, HEADER_VALUE_CHARS, 1, 20)
        if rng.random() < 0.3:
            value = "  " + value + " \t "
        if not value.strip():
            value = "v" + value + "v"
        headers.append((name, value))
    return headers


def canonical_request(auth, request):
    authz = request.headers.get("Authorization")
    if authz is not None:
        del request.headers["Authorization"]
    creq = auth.canonical_request(request)
    if authz is not None:
        request.headers["Authorization"] = authz
    return creq


def header_case(rng, index):
    service = "s3" if rng.random() < 0.6 else rng.choice(OTHER_SERVICES)
    region = rng.choice(REGIONS)
    access_key, secret_key, token = rng.choice(CREDENTIALS)
    base, prefix = random_endpoint(rng, service, region)
    url = base + random_path(rng, service, prefix)
    query = random_query(rng, allow_repeats=True)
    if query:
        url += "?" + query
    method = rng.choice(["GET", "PUT", "POST", "HEAD", "DELETE"])
    headers = random_headers(rng)
    body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 0, 5, 100])))
    mode = rng.choice(["data", "hash", "unsigned"])
    when = random_time(rng)

    request = AWSRequest(method=method, url=url, data=body)
    for name, value in headers:
        request.headers[name] = value  # HTTPHeaders appends: repeated names are kept
    if mode == "unsigned":
        if service == "s3":
            request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
        else:
            request.context["payload_signing_enabled"] = False
    cls = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth
    auth = cls(Credentials(access_key, secret_key, token), service, region)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        auth.add_auth(request)
        creq = canonical_request(auth, request)
    payload = {"mode": mode}
    if mode == "data":
        payload["body_hex"] = body.hex()
    elif mode == "hash":
        payload["hash"] = hashlib.sha256(body).hexdigest()
    return {
        "id": f"headers-{index}",
        "kind": "headers",
        "service": service,
        "region": region,
        "access_key": access_key,
        "secret_key": secret_key,
        "token": token,
        "epoch": int((when - datetime.datetime(1970, 1, 1)).total_seconds()),
        "method": method,
        "url": url,
        "headers": headers,
        "payload": payload,
        "expected_canonical_request": creq,
        "expected_headers": [[k, v] for k, v in request.headers.items()],
    }


def presign_case(rng, index):
    service = "s3" if rng.random() < 0.8 else rng.choice(OTHER_SERVICES)
    region = rng.choice(REGIONS)
    access_key, secret_key, token = rng.choice(CREDENTIALS)
    base, prefix = random_endpoint(rng, service, region)
    url = base + random_path(rng, service, prefix)
    # botocore's presigner reads the query with parse_qs, which keeps one value per name.
    query = random_query(rng, allow_repeats=False)
    if query:
        url += "?" + query
    method = rng.choice(["GET", "GET", "PUT", "HEAD"])
    expires = rng.choice([1, 60, 300, 3600, 86400, 604800])
    when = random_time(rng)

    request = AWSRequest(method=method, url=url)
    cls = botocore.auth.S3SigV4QueryAuth if service == "s3" else botocore.auth.SigV4QueryAuth
    auth = cls(Credentials(access_key, secret_key, token), service, region, expires=expires)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        auth.add_auth(request)
    return {
        "id": f"presign-{index}",
        "kind": "presign",
        "service": service,
        "region": region,
        "access_key": access_key,
        "secret_key": secret_key,
        "token": token,
        "epoch": int((when - datetime.datetime(1970, 1, 1)).total_seconds()),
        "method": method,
        "url": url,
        "expires": expires,
        "expected_url": request.url,
    }


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = random.Random(SEED)
    for i in range(count):
        print(json.dumps(header_case(rng, i), ensure_ascii=False))
    for i in range(count // 3):
        print(json.dumps(presign_case(rng, i), ensure_ascii=False))
    print(f"botocore {botocore.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
