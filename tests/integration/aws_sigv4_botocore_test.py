# labels: aws
"""Differential test of the SigV4 signer: the same requests signed by slipway (the sigv4_sign
tool built from src/aws) and by botocore's SigV4Auth must carry the same Authorization header.
No network: both sides only sign."""

import datetime
import json
import random
import string
import subprocess
import unittest
from unittest import mock
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from slipway_testlib import binary

SIGNER = binary("tests", "unit", "aws", "sigv4_sign")
WHEN = datetime.datetime(2026, 11, 27, 3, 4, 5, tzinfo=datetime.timezone.utc)


def encode(text):
    return quote(text, safe="-_.~")


CASES = [
    # (name, method, host, path on the wire, query pairs (decoded), headers, body, service, token)
    ("secretsmanager json 1.1", "POST", "secretsmanager.eu-west-1.amazonaws.com", "/", [],
     [("Content-Type", "application/x-amz-json-1.1"),
      ("X-Amz-Target", "secretsmanager.GetSecretValue")],
     '{"SecretId":"arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCdEf"}', "secretsmanager", ""),
    ("ssm with session token", "POST", "ssm.us-east-1.amazonaws.com", "/", [],
     [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "AmazonSSM.GetParameters")],
     '{"Names":["/app/db"],"WithDecryption":true}', "ssm", "FwoGZXIvYXdzEXAMPLE//token+/="),
    ("sts query form", "POST", "sts.amazonaws.com", "/", [],
     [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
     "Action=GetCallerIdentity&Version=2011-06-15", "sts", ""),
    ("get with awkward query", "GET", "example.amazonaws.com", "/",
     [("b", "2"), ("a", "x y"), ("a", "x+y"), ("c", "/\u00e9~*"), ("empty", "")], [], "",
     "service", ""),
    ("encoded path and dot segments", "GET", "example.amazonaws.com", "/a%20b/./c/../d%2Fe/", [],
     [], "", "service", ""),
    ("header whitespace and case", "PUT", "127.0.0.1:4566", "/x",
     [], [("My-Header", "  a   b  c "), ("X-Amz-Meta-Thing", "Value"), ("User-Agent", "ignored/1")],
     "payload with unicode \u2603", "logs", "tok"),
]


def slipway_sign(method, host, path, query, headers, body, service, token):
    request = {"method": method, "path": path, "query": query,
               "headers": [["Host", host], *[[n, v] for n, v in headers]], "payload": body,
               "access_key_id": "AKIDDIFFERENTIAL", "secret_access_key": "diff/secret+key=",
               "session_token": token, "region": "eu-west-1", "service": service,
               "epoch_seconds": int(WHEN.timestamp())}
    out = subprocess.run([SIGNER], input=json.dumps(request), capture_output=True, text=True,
                         check=True, timeout=30).stdout
    return dict((n.lower(), v) for n, v in json.loads(out)["headers"])


def botocore_sign(method, host, path, query, headers, body, service, token):
    query_string = "&".join(f"{encode(k)}={encode(v)}" for k, v in query)
    url = f"https://{host}{path}" + (f"?{query_string}" if query_string else "")
    request = AWSRequest(method=method, url=url, data=body.encode(), headers=dict(headers))
    credentials = Credentials("AKIDDIFFERENTIAL", "diff/secret+key=", token or None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN.replace(tzinfo=None)):
        SigV4Auth(credentials, service, "eu-west-1").add_auth(request)
    return {n.lower(): v for n, v in request.headers.items()}


def random_case(rng):
    """A request with awkward but valid parts: encoded bytes and dot segments in the path,
    unicode and reserved characters in the query, padded header values, unicode bodies."""
    def segment():
        choice = rng.random()
        if choice < 0.1:
            return rng.choice([".", "..", ""])
        chars = string.ascii_letters + string.digits + "-_.~"
        out = "".join(rng.choice(chars) for _ in range(rng.randint(1, 6)))
        for _ in range(rng.randint(0, 2)):  # percent-encoded bytes, as on the wire
            out += "".join(f"%{b:02X}" for b in rng.choice(["/", " ", "%", "+", "\u00e9", "\u2603", ":"]).encode())
        return out

    def text(alphabet, low, high):
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))

    query_alphabet = string.ascii_letters + string.digits + " -_.~!*'()/?:@&=+$,;%#[]\u00e9\u4e2d"
    path = "/" + "/".join(segment() for _ in range(rng.randint(0, 4)))
    if rng.random() < 0.3:
        path += "/"
    query = [(text(query_alphabet, 1, 6), text(query_alphabet, 0, 8))
             for _ in range(rng.randint(0, 4))]
    names = set()
    headers = []
    for _ in range(rng.randint(0, 4)):
        name = "X-" + text(string.ascii_letters, 1, 8)
        if name.lower() in names:
            continue
        names.add(name.lower())
        value = " " * rng.randint(0, 2) + " ".join(
            text(string.ascii_letters + string.digits + "\"/;,=", 1, 5)
            for _ in range(rng.randint(1, 3))) + " " * rng.randint(0, 2)
        headers.append((name, value.replace(" ", " " * rng.randint(1, 3))))
    body = text(string.printable.strip() + " \u00e9\u2603", 0, 40)
    method = rng.choice(["GET", "POST", "PUT", "DELETE"])
    service = rng.choice(["secretsmanager", "ssm", "ecs", "logs", "sts", "service"])
    token = rng.choice(["", "tok/" + text(string.ascii_letters, 5, 20) + "=="])
    return (method, "example.amazonaws.com", path, query, headers, body, service, token)


class SignerMatchesBotocore(unittest.TestCase):
    def test_random_requests_sign_identically(self):
        seed = 20261127
        rng = random.Random(seed)
        cases = [random_case(rng) for _ in range(300)]
        requests = [{"method": m, "path": p, "query": q,
                     "headers": [["Host", h], *[[n, v] for n, v in hs]], "payload": b,
                     "access_key_id": "AKIDDIFFERENTIAL", "secret_access_key": "diff/secret+key=",
                     "session_token": t, "region": "eu-west-1", "service": s,
                     "epoch_seconds": int(WHEN.timestamp())}
                    for m, h, p, q, hs, b, s, t in cases]
        out = subprocess.run([SIGNER], input=json.dumps(requests), capture_output=True, text=True,
                             check=True, timeout=120).stdout
        ours = [dict((n.lower(), v) for n, v in r["headers"]) for r in json.loads(out)]
        for index, (case, signed) in enumerate(zip(cases, ours)):
            with self.subTest(index=index, seed=seed):
                theirs = botocore_sign(*case)
                self.assertEqual(signed["authorization"], theirs["authorization"], case)


    def test_every_case_signs_identically(self):
        for case in CASES:
            name, *args = case
            with self.subTest(name):
                ours = slipway_sign(*args)
                theirs = botocore_sign(*args)
                self.assertEqual(ours["x-amz-date"], theirs["x-amz-date"])
                self.assertEqual(ours["authorization"], theirs["authorization"])
                self.assertEqual(ours.get("x-amz-security-token"), theirs.get("x-amz-security-token"))

    def test_a_changed_body_changes_both_signatures(self):
        base = list(CASES[0][1:])
        changed = list(base)
        changed[5] = base[5].replace("db", "dc")
        self.assertNotEqual(slipway_sign(*base)["authorization"], slipway_sign(*changed)["authorization"])
        self.assertEqual(slipway_sign(*changed)["authorization"], botocore_sign(*changed)["authorization"])


if __name__ == "__main__":
    unittest.main()
