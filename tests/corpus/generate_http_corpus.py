#!/usr/bin/env python3
"""Writes the HTTP/1.1 framing corpus: tests/corpus/http/*.http (one connection's raw bytes
each) and tests/corpus/http_index.json (per case: how many requests the bytes hold as written,
and what the case probes).

The cases are mutations of request framing: Transfer-Encoding lists and spellings,
Content-Length forms, chunk sizes, extensions and trailers of growing length, obsolete line
folding, whitespace before colons, bare CR and LF, Host variants, request-target forms, methods
and versions, header sizes, pipelining, plus the request examples of RFC 9112. The same files
seed the fuzzer (scripts/fuzz.sh) and feed the differential test against nginx
(tests/integration/http_conformance_test.py), which also checks that this script reproduces
the stored files exactly.

Run: python3 tests/corpus/generate_http_corpus.py [OUTPUT_DIR]   (default: beside this file)
"""

import json
import os
import sys

CRLF = b"\r\n"
BODY = b"hello"
CHUNKED_BODY = b"5\r\nhello\r\n0\r\n\r\n"


class Corpus:
    def __init__(self):
        self.cases = {}  # name -> (bytes, requests, note)

    def add(self, category, slug, data, requests=1, note=""):
        name = f"{category}-{len(self.cases):03d}-{slug}"
        assert name not in self.cases
        self.cases[name] = (data, requests, note or slug)


def request(method=b"POST", target=b"/", version=b"HTTP/1.1", headers=(), body=b"",
            host=b"localhost", eol=CRLF):
    lines = [method + b" " + target + b" " + version]
    if host is not None:
        lines.append(b"Host: " + host)
    lines.extend(headers)
    return eol.join(lines) + eol + eol + body


def transfer_encoding_cases(c):
    values = [b"chunked", b"Chunked", b"CHUNKED", b" chunked", b"chunked ", b"\tchunked",
              b"chunked\t", b"chunked,", b",chunked", b", chunked", b"chunked, chunked",
              b"gzip, chunked", b"chunked, gzip", b"gzip", b"identity", b"identity, chunked",
              b"deflate, chunked", b"x-gzip", b"chunked;q=1", b"\"chunked\"", b"chunk",
              b"chunkedx", b"xchunked", b"chunked\x0b", b"", b"chunked , identity",
              b"cHuNkEd", b"gzip,chunked", b"chunked,,", b"gzip;level=1, chunked",
              b"chunked\x00", b"ch\xffunked", b"chunked " + b" " * 100]
    for i, value in enumerate(values):
        c.add("te-value", f"v{i:02d}", request(headers=[b"Transfer-Encoding: " + value],
                                               body=CHUNKED_BODY), note=repr(value))
    names = [b"transfer-encoding", b"TRANSFER-ENCODING", b"Transfer_Encoding",
             b"Transfer-Encoding ", b"Transfer-Encoding\t", b"XTransfer-Encoding",
             b"Transfer-Encodings", b"Transfer-Encoding\x00"]
    for i, name in enumerate(names):
        c.add("te-name", f"n{i:02d}", request(headers=[name + b": chunked"], body=CHUNKED_BODY),
              note=repr(name))
    # Two fields, and Transfer-Encoding beside Content-Length in both orders.
    combos = {
        "two-chunked": [b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked"],
        "gzip-then-chunked": [b"Transfer-Encoding: gzip", b"Transfer-Encoding: chunked"],
        "chunked-then-gzip": [b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip"],
        "chunked-then-empty": [b"Transfer-Encoding: chunked", b"Transfer-Encoding:"],
        "te-then-cl": [b"Transfer-Encoding: chunked", b"Content-Length: 15"],
        "cl-then-te": [b"Content-Length: 15", b"Transfer-Encoding: chunked"],
        "gzip-te-then-cl": [b"Transfer-Encoding: gzip", b"Content-Length: 15"],
        "cl-then-gzip-te": [b"Content-Length: 15", b"Transfer-Encoding: gzip"],
        "cl0-then-te": [b"Content-Length: 0", b"Transfer-Encoding: chunked"],
    }
    for slug, headers in combos.items():
        c.add("te-combo", slug, request(headers=headers, body=CHUNKED_BODY))
    for version in (b"HTTP/1.0", b"HTTP/1.1"):
        c.add("te-version", version.decode().replace("/", ""), request(
            version=version, headers=[b"Transfer-Encoding: chunked"], body=CHUNKED_BODY))
    # Smuggling shapes: a body the server must not read as a second request.
    smuggled = b"GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n"
    for slug, value in (("gzip", b"gzip"), ("chunked-gzip", b"chunked, gzip"),
                        ("identity", b"identity"), ("bogus", b"bogus")):
        c.add("te-smuggle", slug,
              request(headers=[b"Transfer-Encoding: " + value], body=smuggled),
              note=f"Transfer-Encoding: {value.decode()} with a request as the body")
    c.add("te-smuggle", "cl-te", request(
        headers=[b"Content-Length: 4", b"Transfer-Encoding: chunked"],
        body=b"0\r\n\r\n" + smuggled))
    c.add("te-smuggle", "te-cl", request(
        headers=[b"Transfer-Encoding: chunked", b"Content-Length: 60"],
        body=b"0\r\n\r\n" + smuggled))
    c.add("te-smuggle", "get-with-te", request(
        method=b"GET", headers=[b"Transfer-Encoding: chunked"], body=b"0\r\n\r\n" + smuggled),
        requests=2, note="a chunked GET followed by a pipelined request")


def content_length_cases(c):
    values = [b"5", b"05", b"00005", b"+5", b"-5", b" 5", b"5 ", b"5,5", b"5, 5", b"5,6",
              b"", b"0x5", b"5.0", b"1e1", b"5a", b"a5", b"99999999999999999999",
              b"18446744073709551616", b"18446744073709551615", b"4294967301", b"2000000",
              b"1048577", b"1048576", b"5\x00", b"\"5\"", b"5;", b"5 5", b",5", b"5,",
              b"\t5", b"\xef\xbc\x95"]
    for i, value in enumerate(values):
        c.add("cl-value", f"v{i:02d}", request(headers=[b"Content-Length: " + value], body=BODY),
              note=repr(value))
    combos = {
        "same-twice": [b"Content-Length: 5", b"Content-Length: 5"],
        "differ": [b"Content-Length: 5", b"Content-Length: 6"],
        "zero-and-five": [b"Content-Length: 0", b"Content-Length: 5"],
        "lowercase": [b"content-length: 5"],
        "space-before-colon": [b"Content-Length : 5"],
        "tab-before-colon": [b"Content-Length\t: 5"],
    }
    for slug, headers in combos.items():
        c.add("cl-combo", slug, request(headers=headers, body=BODY))
    c.add("cl-short", "body-shorter", request(headers=[b"Content-Length: 10"], body=BODY),
          note="the connection ends before the body")
    c.add("cl-long", "body-longer", request(headers=[b"Content-Length: 2"], body=BODY),
          note="bytes after the body are read as the next request")
    c.add("cl-get", "get-with-body", request(method=b"GET", headers=[b"Content-Length: 5"],
                                             body=BODY))
    c.add("cl-none", "post-without-length", request(body=b""), note="POST, no body, no length")
    c.add("cl-none", "post-body-without-length", request(body=BODY), requests=1,
          note="the bytes after the header are a second (malformed) request")


def chunk_cases(c):
    sizes = [b"5", b"05", b"0005", b"000000000000000005", b"5 ", b" 5", b"+5", b"-5", b"0x5",
             b"5;", b"5;a", b"5;a=b", b"5;a=\"b\"", b"5;a=\"b;c\"", b"5 ;a", b"5; a", b"5;a b",
             b"5;=b", b"5;a=", b"5\t", b"g", b"", b"5\x00", b"FFFFFFFFFFFFFFFFF",
             b"fffffffffffffff", b"7fffffffffffffff", b"100001", b"5;a=\"b", b"5;a=\"\\\"\"",
             b"5;\xff", b"5_", b"0005;x;y;z"]
    for i, size in enumerate(sizes):
        c.add("chunk-size", f"s{i:02d}", request(
            headers=[b"Transfer-Encoding: chunked"], body=size + b"\r\nhello\r\n0\r\n\r\n"),
            note=repr(size))
    bodies = {
        "data-longer": b"3\r\nhello\r\n0\r\n\r\n",
        "data-shorter": b"7\r\nhello\r\n0\r\n\r\n",
        "no-crlf-after-data": b"5\r\nhello0\r\n\r\n",
        "lf-after-data": b"5\r\nhello\n0\r\n\r\n",
        "lf-after-size": b"5\nhello\r\n0\r\n\r\n",
        "cr-after-size": b"5\rhello\r\n0\r\n\r\n",
        "lf-everywhere": b"5\nhello\n0\n\n",
        "last-chunk-00": b"5\r\nhello\r\n00\r\n\r\n",
        "last-chunk-ext": b"5\r\nhello\r\n0;a=b\r\n\r\n",
        "no-last-chunk": b"5\r\nhello\r\n",
        "no-final-crlf": b"5\r\nhello\r\n0\r\n",
        "many-small-chunks": b"".join(b"1\r\nx\r\n" for _ in range(200)) + b"0\r\n\r\n",
        "empty-then-data": b"0\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "size-over-body-limit": b"100001\r\n" + b"x" * 64 + b"\r\n0\r\n\r\n",
    }
    for slug, body in bodies.items():
        c.add("chunk-body", slug, request(headers=[b"Transfer-Encoding: chunked"], body=body))
    # Extensions and size lines of growing length (the app's header limit is 16 KiB).
    for length in (10, 100, 1000, 4000, 8000, 16000, 16400, 17000, 33000):
        ext = b";x=" + b"a" * length
        c.add("chunk-ext-length", f"e{length}", request(
            headers=[b"Transfer-Encoding: chunked"], body=b"5" + ext + b"\r\nhello\r\n0\r\n\r\n"),
            note=f"a {length}-byte chunk extension")
        c.add("chunk-ext-open", f"e{length}", request(
            headers=[b"Transfer-Encoding: chunked"], body=b"5" + ext),
            note=f"a {length}-byte chunk extension that never ends")
    for length in (10, 1000, 16000, 17000, 40000):
        c.add("chunk-zeros", f"z{length}", request(
            headers=[b"Transfer-Encoding: chunked"],
            body=b"0" * length + b"5\r\nhello\r\n0\r\n\r\n"), note=f"{length} leading zeros")
    many_ext = b"".join(b";e%d=v" % i for i in range(2000))
    c.add("chunk-ext-many", "e2000", request(
        headers=[b"Transfer-Encoding: chunked"], body=b"5" + many_ext + b"\r\nhello\r\n0\r\n\r\n"))


def trailer_cases(c):
    def chunked(trailers):
        return request(headers=[b"Transfer-Encoding: chunked"],
                       body=b"5\r\nhello\r\n0\r\n" + trailers + b"\r\n")
    for length in (0, 10, 1000, 8000, 16000, 17000, 33000):
        trailer = b"X-Trailer: " + b"t" * length + b"\r\n"
        c.add("trailer-length", f"t{length}", chunked(trailer), note=f"a {length}-byte trailer")
        c.add("trailer-open", f"t{length}", request(
            headers=[b"Transfer-Encoding: chunked"],
            body=b"5\r\nhello\r\n0\r\nX-Trailer: " + b"t" * length),
            note=f"a {length}-byte trailer that never ends")
    many = b"".join(b"X-T%d: v\r\n" % i for i in range(1500))
    c.add("trailer-many", "t1500", chunked(many))
    fields = {
        "content-length": b"Content-Length: 5\r\n",
        "transfer-encoding": b"Transfer-Encoding: chunked\r\n",
        "host": b"Host: other\r\n",
        "no-colon": b"NoColon\r\n",
        "space-before-colon": b"X-T : v\r\n",
        "folded": b"X-T: a\r\n b\r\n",
        "bare-lf": b"X-T: v\n",
        "nul": b"X-T: a\x00b\r\n",
        "empty-name": b": v\r\n",
    }
    for slug, trailer in fields.items():
        c.add("trailer-field", slug, chunked(trailer))


def header_syntax_cases(c):
    folds = {
        "custom-sp": [b"X-Foo: a", b" b"],
        "custom-tab": [b"X-Foo: a", b"\tb"],
        "empty-then-fold": [b"X-Foo:", b" b"],
        "host-fold": None,
        "te-fold": [b"Transfer-Encoding: gzip,", b" chunked"],
        "te-fold-chunked": [b"Transfer-Encoding:", b" chunked"],
        "cl-fold": [b"Content-Length:", b" 5"],
        "first-line-space": [b" X-Foo: a"],
        "first-line-tab": [b"\tX-Foo: a"],
        "multi-fold": [b"X-Foo: a", b" b", b" c", b"\t d"],
    }
    for slug, headers in folds.items():
        if headers is None:
            data = b"POST / HTTP/1.1\r\nHost: local\r\n host\r\nContent-Length: 5\r\n\r\nhello"
        else:
            if not any(h.startswith(b"Transfer-Encoding") or h.startswith(b"Content-Length")
                       for h in headers):
                headers = headers + [b"Content-Length: 5"]
            body = CHUNKED_BODY if b"Transfer-Encoding" in b"".join(headers) else BODY
            data = request(headers=headers, body=body)
        c.add("obs-fold", slug, data)
    colons = {
        "host": b"Host : localhost",
        "custom": b"X-Foo : bar",
        "custom-tab": b"X-Foo\t: bar",
        "te": b"Transfer-Encoding : chunked",
        "te-tab": b"Transfer-Encoding\t: chunked",
        "cl": b"Content-Length : 5",
        "no-space-after": b"X-Foo:bar",
        "many-spaces-after": b"X-Foo:      bar",
    }
    for slug, header in colons.items():
        if slug == "host":
            data = request(host=None, headers=[header], body=b"", method=b"GET")
        elif slug.startswith("te"):
            data = request(headers=[header], body=CHUNKED_BODY)
        elif slug == "cl":
            data = request(headers=[header], body=BODY)
        else:
            data = request(method=b"GET", headers=[header])
        c.add("ws-colon", slug, data)
    odd = {
        "empty-name": b": v",
        "no-colon": b"X-Foo",
        "paren-name": b"X(Foo): v",
        "slash-name": b"X/Foo: v",
        "space-in-name": b"X Foo: v",
        "nul-in-value": b"X-Foo: a\x00b",
        "del-in-value": b"X-Foo: a\x7fb",
        "obs-text-value": b"X-Foo: caf\xc3\xa9",
        "ctl-in-value": b"X-Foo: a\x01b",
        "tab-in-value": b"X-Foo: a\tb",
        "utf8-name": b"X-F\xc3\xb6o: v",
        "underscore-name": b"X_Foo: v",
        "quote-value": b"X-Foo: \"a\\\"b\"",
        "long-name": b"X-" + b"N" * 1000 + b": v",
    }
    for slug, header in odd.items():
        c.add("field-syntax", slug, request(method=b"GET", headers=[header]))


def line_ending_cases(c):
    cases = {
        "all-lf": request(method=b"GET", eol=b"\n"),
        "request-line-lf": b"GET / HTTP/1.1\nHost: localhost\r\n\r\n",
        "header-lf": b"GET / HTTP/1.1\r\nHost: localhost\n\r\n",
        "final-lf": b"GET / HTTP/1.1\r\nHost: localhost\r\n\n",
        "all-cr": request(method=b"GET", eol=b"\r"),
        "request-line-cr": b"GET / HTTP/1.1\rHost: localhost\r\n\r\n",
        "header-cr": b"GET / HTTP/1.1\r\nHost: localhost\r\r\n",
        "cr-in-value": b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Foo: a\rb\r\n\r\n",
        "lf-in-value": b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Foo: a\nb\r\n\r\n",
        "crcrlf": b"GET / HTTP/1.1\r\r\nHost: localhost\r\r\n\r\r\n",
        "lfcr": b"GET / HTTP/1.1\n\rHost: localhost\n\r\n\r",
        "cr-before-target": b"GET \r/ HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "lf-post-te": b"POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n"
                      b"5\nhello\n0\n\n",
        "lf-post-cl": b"POST / HTTP/1.1\nHost: localhost\nContent-Length: 5\n\nhello",
        "cr-in-te": b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r"
                    b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    }
    for slug, data in cases.items():
        c.add("line-ending", slug, data)
    leading = {
        "crlf": b"\r\n", "two-crlf": b"\r\n\r\n", "ten-crlf": b"\r\n" * 10, "lf": b"\n",
        "cr": b"\r", "space": b" ", "tab": b"\t", "crlf-space": b"\r\n ",
        "many-crlf": b"\r\n" * 9000,
    }
    for slug, prefix in leading.items():
        c.add("leading", slug, prefix + request(method=b"GET"))


def host_cases(c):
    hosts = [b"localhost", b"LOCALHOST", b"example.com", b"example.com.", b"example.com:8080",
             b"example.com:", b":80", b".", b"..", b"a..b", b".a", b"a/b", b"a\\b", b"a b",
             b"a\tb", b"", b"[::1]", b"[::1]:80", b"[::1", b"::1", b"a@b", b"a_b", b"a%20b",
             b"xn--caf-dma.example", b"a" * 1000, b"a:99999", b"a:abc", b"127.0.0.1",
             b"127.0.0.1:80", b"a\x00b", b"a\x7fb", b"caf\xc3\xa9", b"a:80:80", b"a,b"]
    for i, host in enumerate(hosts):
        c.add("host-value", f"h{i:02d}", request(method=b"GET", host=host), note=repr(host))
    c.add("host-count", "missing-11", request(method=b"GET", host=None))
    c.add("host-count", "missing-10", request(method=b"GET", host=None, version=b"HTTP/1.0"))
    c.add("host-count", "two-same", request(method=b"GET", headers=[b"Host: localhost"]))
    c.add("host-count", "two-differ", request(method=b"GET", headers=[b"Host: other"]))
    c.add("host-count", "two-10", request(method=b"GET", version=b"HTTP/1.0",
                                          headers=[b"Host: other"]))
    c.add("host-count", "list", request(method=b"GET", host=b"a, b"))
    c.add("host-count", "absolute-form-no-host", request(
        method=b"GET", target=b"http://localhost/", host=None))
    c.add("host-count", "absolute-form-other-host", request(
        method=b"GET", target=b"http://localhost/", host=b"other"))


def target_cases(c):
    targets = [b"/", b"/healthz", b"/a?b=c", b"/a#frag", b"/a?", b"//", b"//x", b"/./",
               b"/../", b"/a/../..", b"/a/b/../../..", b"/%2e%2e/", b"/%00", b"/%zz", b"/%",
               b"/a%20b", b"/\x7f", b"/\xc3\xa9", b"/a\x00", b"/a\"b", b"/<x>", b"/{x}",
               b"/a\\b", b"*", b"a", b"x:80", b"localhost:80", b"http://localhost/",
               b"HTTP://LOCALHOST/healthz", b"https://localhost:443/", b"http://localhost",
               b"http://localhost?x=1", b"http://user@localhost/", b"ftp://localhost/",
               b"http:/localhost/", b"http:///", b"http://[::1]/", b"http://a..b/",
               b"http://localhost:80/?x#y", b"/" + b"a" * 8000, b"/" + b"a" * 16500,
               b"/?" + b"q" * 4000]
    for i, target in enumerate(targets):
        c.add("target", f"t{i:02d}", request(method=b"GET", target=target),
              note=repr(target[:40]))
    c.add("target-method", "options-star", request(method=b"OPTIONS", target=b"*"))
    c.add("target-method", "connect-authority", request(method=b"CONNECT",
                                                        target=b"localhost:443"))
    c.add("target-method", "get-authority", request(method=b"GET", target=b"localhost:443"))


def method_version_cases(c):
    lines = [b"GET / HTTP/1.1", b"get / HTTP/1.1", b"Get / HTTP/1.1", b"G-T / HTTP/1.1",
             b"G_T / HTTP/1.1", b"G@T / HTTP/1.1", b"GET  / HTTP/1.1", b"GET / HTTP/1.1 ",
             b"GET /  HTTP/1.1", b"GET\t/ HTTP/1.1", b" GET / HTTP/1.1", b"GET / HTTP/1.0",
             b"GET / HTTP/1.2", b"GET / HTTP/1.9", b"GET / HTTP/2.0", b"GET / HTTP/0.9",
             b"GET / HTTP/1.10", b"GET / HTTP/01.1", b"GET / http/1.1", b"GET / HTTP/1",
             b"GET / HTTP/1.", b"GET / HTTP/", b"GET / HTX/1.1", b"GET /", b"GET", b"/ HTTP/1.1",
             b"GET / HTTP/1.1 extra", b"GET / HTTP/3.0", b"GET / HTTP/11.1",
             b"PROPFIND / HTTP/1.1", b"BREW / HTTP/1.1", b"A" * 40 + b" / HTTP/1.1",
             b"DELETE / HTTP/1.1", b"HEAD / HTTP/1.1", b"GET\x00 / HTTP/1.1"]
    for i, line in enumerate(lines):
        c.add("request-line", f"l{i:02d}", line + b"\r\nHost: localhost\r\n\r\n",
              note=repr(line[:40]))


def header_size_cases(c):
    for length in (1000, 8000, 15000, 16300, 16500, 17000, 33000):
        c.add("header-size", f"one-{length}", request(
            method=b"GET", headers=[b"X-Big: " + b"b" * length]), note=f"one {length}-byte field")
    for count in (100, 500, 1000, 3000):
        c.add("header-size", f"many-{count}", request(
            method=b"GET", headers=[b"X-F%d: v" % i for i in range(count)]),
            note=f"{count} fields")
    c.add("header-size", "expect-continue", request(
        headers=[b"Expect: 100-continue", b"Content-Length: 5"], body=BODY))
    c.add("header-size", "expect-bogus", request(
        headers=[b"Expect: bogus", b"Content-Length: 5"], body=BODY))


def pipelining_cases(c):
    get = request(method=b"GET")
    post = request(headers=[b"Content-Length: 5"], body=BODY)
    chunked = request(headers=[b"Transfer-Encoding: chunked"], body=CHUNKED_BODY)
    bad = b"GET / HTTP/1.1\r\nHost: a..b\r\n\r\n"
    c.add("pipeline", "two-gets", get * 2, requests=2)
    c.add("pipeline", "five-gets", get * 5, requests=5)
    c.add("pipeline", "get-post-get", get + post + get, requests=3)
    c.add("pipeline", "chunked-then-get", chunked + get, requests=2)
    c.add("pipeline", "chunked-x3", chunked * 3, requests=3)
    c.add("pipeline", "crlf-between", get + b"\r\n" + get, requests=2)
    c.add("pipeline", "two-crlf-between", get + b"\r\n\r\n" + get, requests=2)
    c.add("pipeline", "bad-in-middle", get + bad + get, requests=3)
    c.add("pipeline", "bad-first", bad + get, requests=2)
    c.add("pipeline", "close-then-get", request(method=b"GET", headers=[b"Connection: close"])
          + get, requests=2)
    c.add("pipeline", "http10-then-get", request(method=b"GET", version=b"HTTP/1.0") + get,
          requests=2)
    c.add("pipeline", "http10-keepalive-then-get", request(
        method=b"GET", version=b"HTTP/1.0", headers=[b"Connection: keep-alive"]) + get,
        requests=2)
    c.add("pipeline", "cl-too-long-swallows", request(headers=[b"Content-Length: 10"],
                                                      body=BODY) + get, requests=2)
    c.add("pipeline", "chunk-short-swallows", request(
        headers=[b"Transfer-Encoding: chunked"], body=b"9\r\nhello\r\n0\r\n\r\n") + get,
        requests=2)
    c.add("pipeline", "te-gzip-then-get", request(headers=[b"Transfer-Encoding: gzip"]) + get,
          requests=2)
    c.add("pipeline", "te-and-cl-then-get", request(
        headers=[b"Transfer-Encoding: chunked", b"Content-Length: 3"], body=CHUNKED_BODY) + get,
        requests=2)
    c.add("pipeline", "folded-then-get", request(method=b"GET", headers=[b"X: a", b" b"]) + get,
          requests=2)
    c.add("pipeline", "partial-second", get + b"GET / HTTP/1.1\r\nHost: loc", requests=2)
    c.add("pipeline", "twenty", get * 20, requests=20)
    c.add("pipeline", "get-then-garbage", get + b"GARBAGE\r\n\r\n", requests=2)


def rfc9112_cases(c):
    # The request examples of RFC 9112 (sections 2.1, 3.2.1, 3.2.2, 3.2.3, 3.2.4, 7.1).
    examples = {
        "2.1-curl": b"GET /hello.txt HTTP/1.1\r\nUser-Agent: curl/7.64.1\r\n"
                    b"Host: www.example.com\r\nAccept-Language: en, mi\r\n\r\n",
        "3.2.1-origin": b"GET /where?q=now HTTP/1.1\r\nHost: www.example.org\r\n\r\n",
        "3.2.2-absolute": b"GET http://www.example.org/pub/WWW/TheProject.html HTTP/1.1\r\n"
                          b"Host: www.example.org\r\n\r\n",
        "3.2.3-authority": b"CONNECT www.example.com:80 HTTP/1.1\r\nHost: www.example.com\r\n"
                           b"\r\n",
        "3.2.4-asterisk": b"OPTIONS * HTTP/1.1\r\nHost: www.example.org:8001\r\n\r\n",
        "3.2.4-absolute": b"OPTIONS http://www.example.org:8001 HTTP/1.1\r\n"
                          b"Host: www.example.org:8001\r\n\r\n",
        "7.1-chunked": b"POST /upload HTTP/1.1\r\nHost: www.example.org\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n"
                       b"7\r\nMozilla\r\n11\r\nDeveloper Network\r\n0\r\n\r\n",
        "6.1-gzip-chunked": b"POST / HTTP/1.1\r\nHost: www.example.org\r\n"
                            b"Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "7.1.2-trailer": b"POST / HTTP/1.1\r\nHost: www.example.org\r\n"
                         b"Transfer-Encoding: chunked\r\nTrailer: Expires\r\n\r\n"
                         b"5\r\nhello\r\n0\r\nExpires: Wed, 21 Oct 2015 07:28:00 GMT\r\n\r\n",
    }
    for slug, data in examples.items():
        c.add("rfc9112", slug, data)


def build():
    c = Corpus()
    for make in (transfer_encoding_cases, content_length_cases, chunk_cases, trailer_cases,
                 header_syntax_cases, line_ending_cases, host_cases, target_cases,
                 method_version_cases, header_size_cases, pipelining_cases, rfc9112_cases):
        make(c)
    return c.cases


def write(out_dir):
    cases = build()
    corpus_dir = os.path.join(out_dir, "http")
    os.makedirs(corpus_dir, exist_ok=True)
    for stale in os.listdir(corpus_dir):
        if stale.endswith(".http") and stale[:-5] not in cases:
            os.remove(os.path.join(corpus_dir, stale))
    for name, (data, _, _) in cases.items():
        with open(os.path.join(corpus_dir, name + ".http"), "wb") as f:
            f.write(data)
    index = {name: {"requests": requests, "note": note}
             for name, (_, requests, note) in cases.items()}
    with open(os.path.join(out_dir, "http_index.json"), "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)
        f.write("\n")
    return len(cases)


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    print(f"{write(target)} cases written under {target}")
