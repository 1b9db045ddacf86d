# labels: aws
"""Differential test of the SigV4 signer: the same requests signed by slipway (the sigv4_sign
tool built from src/aws) and by botocore's SigV4Auth must carry the same Authorization header.
No network: both sides only sign."""

import datetime
import json
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


class SignerMatchesBotocore(unittest.TestCase):
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
