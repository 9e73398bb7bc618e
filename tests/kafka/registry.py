#!/usr/bin/python3
"""A small Confluent Schema Registry for the tests (issue 21 item 5).

No Schema Registry server is packaged for Debian, so the tests run this one:
stdlib only (http.server), plus python3-avro to refuse a schema that is not
Avro, as the real registry does.  State lives in memory for the life of the
process.  It is checked against python3-confluent-kafka's
SchemaRegistryClient in tests/kafka/registry.sh.

Endpoints (the Confluent REST API subset; bodies are JSON, content type
application/vnd.schemaregistry.v1+json):

  GET  /schemas/ids/N                {"schema": TEXT} and, when the schema is
                                     not Avro, "schemaType": "PROTOBUF"|"JSON",
                                     and when it has references,
                                     "references": [{"name", "subject",
                                     "version"}, ...] as registered
                                     (40403 "Schema not found")
  GET  /subjects                     ["S", ...], sorted
  GET  /subjects/S/versions          [1, 2, ...]          (40401)
  GET  /subjects/S/versions/latest   {"subject","version","id","schema"
  GET  /subjects/S/versions/N         [, "schemaType"][, "references"]}
                                     (40401, 40402; 42202 for a version
                                     that is not a number)
  POST /subjects/S/versions          register {"schema": TEXT[, "schemaType"]
                                     [, "references"]}: {"id": N}; a schema
                                     already registered (the same type, the
                                     same JSON once parsed, or the same text
                                     for Protobuf, and the same references)
                                     gets its existing id, under any subject,
                                     and is not a new version of a subject
                                     that has it already; an Avro schema that
                                     avro.schema.parse refuses (its
                                     references' named types known first, as
                                     the real registry parses them), a JSON
                                     schema that is not JSON, or references
                                     that are not [{"name": TEXT, "subject":
                                     TEXT, "version": N}, ...] naming a
                                     subject's version that is there, is 422
                                     with error_code 42201
  POST /subjects/S                   look up a schema under S: the version's
                                     body as above (40401, 40403)

Errors are Confluent's bodies, {"error_code": N, "message": TEXT}, with the
HTTP status the first three digits of the code (50001 is 500).  A body
that is not JSON, or has no "schema", is 422 (42201) too.

Test hooks:

  --port N           listen on 127.0.0.1:N (default 0: a free port), and
  --port-file F      write the chosen port to F once listening (atomically)
  --user U:P         basic auth: a request without these credentials is 401
                     (error_code 40101); /_requests needs none
  --fail-first N     the first N requests answer 500 (error_code 50001),
                     for retries; /_requests does not count
  --fail-path P      every request whose "METHOD /path" starts with P
                     answers 500 (repeatable): one endpoint down, the
                     others up ("GET /subjects/")
  --delay-ms N       every API answer comes N ms late (a registry slower
                     than the client's bound)
  --tls-cert F --tls-key K   serve HTTPS with this certificate and key
  --tls-client-ca F  and ask for a client certificate signed by this CA
                     (a client without one fails the TLS handshake)
  --load S=FILE      register FILE's Avro schema under subject S at start
                     (repeatable; ids from 1 in the order given)
  --unchecked       a broken or hostile registry: no schema is parsed, and
                     references are kept as they are posted (any JSON),
                     neither their shape nor their subjects and versions
                     checked; so a reference may name a version that is not
                     there, or a later one (a cycle)
  GET /_requests     {"count": N, "paths": [...]}: the API requests served
                     so far (every one, failed ones included), to prove a
                     cache hit costs none and a miss one
  "Unreachable" is tested by stopping the process (SIGTERM) or by a port
  nothing listens on.
"""

import argparse
import base64
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import avro.schema

CT = "application/vnd.schemaregistry.v1+json"


class Registry:
    def __init__(self, unchecked=False):
        self.lock = threading.Lock()
        self.schemas = []          # id - 1 -> (type, text, references)
        self.index = {}            # (type, normal form, refs) -> id
        self.subjects = {}         # subject -> [id, ...] (version - 1)
        self.count = 0
        self.paths = []
        self.unchecked = unchecked

    @staticmethod
    def normal(stype, text):
        if stype == "PROTOBUF":
            return text
        return json.dumps(json.loads(text), sort_keys=True,
                          separators=(",", ":"))

    def ref_schema(self, ref):
        """The (type, text, references) a reference names, or None."""
        ids = self.subjects.get(ref["subject"], [])
        v = ref["version"]
        if v == -1 and ids:
            v = len(ids)
        if not 1 <= v <= len(ids):
            return None
        return self.schemas[ids[v - 1] - 1]

    def check_refs(self, refs):
        """None, or why references are refused."""
        if not isinstance(refs, list):
            return "references is not an array"
        for r in refs:
            if not isinstance(r, dict) or \
                    not isinstance(r.get("name"), str) or \
                    not isinstance(r.get("subject"), str) or \
                    not isinstance(r.get("version"), int) or \
                    isinstance(r.get("version"), bool):
                return "a reference is not {name, subject, version}: %s" % \
                    json.dumps(r)
            if self.ref_schema(r) is None:
                return "reference %s: subject '%s' has no version %d" % (
                    r["name"], r["subject"], r["version"])
        return None

    def avro_names(self, refs, names, done):
        """The named types of refs (theirs first) into names."""
        for r in refs:
            stype, text, rrefs = self.ref_schema(r)
            key = (r["subject"], r["version"])
            if key in done:
                continue
            done.add(key)
            self.avro_names(rrefs, names, done)
            avro.schema.make_avsc_object(json.loads(text), names)

    def check(self, stype, text, refs):
        """None, or why the registry refuses the schema."""
        if stype not in ("AVRO", "PROTOBUF", "JSON"):
            return "Unknown schema type %s" % stype
        if self.unchecked:
            return None
        if refs:
            why = self.check_refs(refs)
            if why:
                return "Invalid schema: %s" % why
        if stype == "PROTOBUF":
            return None
        try:
            json.loads(text)
        except ValueError as e:
            return "Invalid schema: %s" % e
        if stype == "AVRO":
            try:
                names = avro.schema.Names()
                self.avro_names(refs or [], names, set())
                avro.schema.make_avsc_object(json.loads(text), names)
            except Exception as e:          # avro raises several kinds
                return "Invalid schema: %s" % e
        return None

    def key(self, stype, text, refs):
        return (stype, self.normal(stype, text),
                json.dumps(refs or [], sort_keys=True))

    def register(self, subject, stype, text, refs=None):
        """(status, body)."""
        why = self.check(stype, text, refs)
        if why:
            return 422, {"error_code": 42201, "message": why}
        try:
            key = self.key(stype, text, refs)
        except ValueError:      # unchecked: a JSON schema that is not JSON
            key = (stype, text, json.dumps(refs or [], sort_keys=True))
        sid = self.index.get(key)
        if sid is None:
            self.schemas.append((stype, text, refs or []))
            sid = len(self.schemas)
            self.index[key] = sid
        vers = self.subjects.setdefault(subject, [])
        if sid not in vers:
            vers.append(sid)
        return 200, {"id": sid}

    def schema_body(self, sid):
        stype, text, refs = self.schemas[sid - 1]
        b = {"schema": text}
        if stype != "AVRO":
            b["schemaType"] = stype
        if refs:
            b["references"] = refs
        return b

    def version_body(self, subject, version):
        sid = self.subjects[subject][version - 1]
        b = {"subject": subject, "version": version, "id": sid}
        b.update(self.schema_body(sid))
        return b


def not_found_subject(s):
    return 404, {"error_code": 40401, "message": "Subject '%s' not found." % s}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tide-test-registry/1"

    def log_message(self, fmt, *args):     # quiet: the tests read stdout
        pass

    def handle(self):
        # A client that gave up (its timeout) is no error of ours.
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", CT)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_api(self, method):
        reg = self.server.reg
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        raw = self.body() if method == "POST" else b""
        if path == "/_requests" and method == "GET":
            with reg.lock:
                return self.reply(200, {"count": reg.count,
                                        "paths": list(reg.paths)})
        if self.server.delay_ms:
            time.sleep(self.server.delay_ms / 1000)
        with reg.lock:
            reg.count += 1
            reg.paths.append("%s %s" % (method, path))
            if self.server.fail_first > 0 or any(
                    ("%s %s" % (method, path)).startswith(p)
                    for p in self.server.fail_paths):
                self.server.fail_first = max(self.server.fail_first - 1, 0)
                return self.reply(500, {"error_code": 50001,
                                        "message": "Error in the backend data store"})
        if self.server.user is not None:
            want = "Basic " + base64.b64encode(
                self.server.user.encode()).decode()
            if self.headers.get("Authorization") != want:
                return self.reply(401, {"error_code": 40101,
                                        "message": "Unauthorized"})
        parts = [urllib.parse.unquote(p) for p in path.split("/")[1:]]
        with reg.lock:
            status, body = self.route(reg, method, parts, raw)
        self.reply(status, body)

    def route(self, reg, method, parts, raw):
        nf = (404, {"error_code": 404, "message": "HTTP 404 Not Found"})
        if method == "GET":
            if len(parts) == 3 and parts[:2] == ["schemas", "ids"]:
                try:
                    sid = int(parts[2])
                except ValueError:
                    return nf
                if not 1 <= sid <= len(reg.schemas):
                    return 404, {"error_code": 40403,
                                 "message": "Schema %d not found" % sid}
                return 200, reg.schema_body(sid)
            if parts == ["subjects"]:
                return 200, sorted(reg.subjects)
            if len(parts) >= 3 and parts[0] == "subjects" and \
                    parts[2] == "versions":
                s = parts[1]
                if s not in reg.subjects:
                    return not_found_subject(s)
                vers = reg.subjects[s]
                if len(parts) == 3:
                    return 200, list(range(1, len(vers) + 1))
                if len(parts) != 4:
                    return nf
                if parts[3] == "latest":
                    return 200, reg.version_body(s, len(vers))
                try:
                    v = int(parts[3])
                except ValueError:
                    return 422, {"error_code": 42202, "message":
                                 "The specified version '%s' is not a valid "
                                 "version id." % parts[3]}
                if not 1 <= v <= len(vers):
                    return 404, {"error_code": 40402,
                                 "message": "Version %d not found." % v}
                return 200, reg.version_body(s, v)
            return nf
        if method == "POST" and len(parts) in (2, 3) and \
                parts[0] == "subjects" and \
                (len(parts) == 2 or parts[2] == "versions"):
            try:
                req = json.loads(raw)
                text = req["schema"]
                stype = req.get("schemaType") or "AVRO"
                refs = req.get("references") or []
                if not isinstance(text, str):
                    raise ValueError("schema is not a string")
            except (ValueError, KeyError, TypeError) as e:
                return 422, {"error_code": 42201,
                             "message": "Invalid request: %s" % e}
            s = parts[1]
            if len(parts) == 3:
                return reg.register(s, stype, text, refs)
            if s not in reg.subjects:
                return not_found_subject(s)
            try:
                key = reg.key(stype, text, refs)
            except ValueError:
                key = None
            sid = reg.index.get(key)
            if sid is None or sid not in reg.subjects[s]:
                return 404, {"error_code": 40403,
                             "message": "Schema not found"}
            return 200, reg.version_body(s, reg.subjects[s].index(sid) + 1)
        return 405, {"error_code": 405, "message": "HTTP 405 Method Not Allowed"}

    def do_GET(self):
        self.handle_api("GET")

    def do_POST(self):
        self.handle_api("POST")


def main():
    ap = argparse.ArgumentParser(description="a test Schema Registry")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--user")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--load", action="append", default=[])
    ap.add_argument("--unchecked", action="store_true")
    ap.add_argument("--fail-path", action="append", default=[])
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-client-ca")
    a = ap.parse_args()
    reg = Registry(a.unchecked)
    for spec in a.load:
        subject, _, path = spec.partition("=")
        with open(path) as f:
            status, body = reg.register(subject, "AVRO", f.read())
        if status != 200:
            sys.exit("registry.py: --load %s: %s" % (spec, body["message"]))
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.reg = reg
    srv.user = a.user
    srv.fail_first = a.fail_first
    srv.fail_paths = a.fail_path
    srv.delay_ms = a.delay_ms
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        if a.tls_client_ca:
            ctx.load_verify_locations(a.tls_client_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
