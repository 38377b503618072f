#!/usr/bin/env python3
"""Checks scripts/saml/idp.py end to end: every variant is what its name says.

    .test-env/venv/bin/python scripts/saml/selftest.py [--keep DIR] [--port PORT]

In a temporary folder: `idp.py init` and `idp.py sp`, then the federation metadata
signatures (xmlsec1 --verify with federation.pem), every response variant from one
`idp.py batch` (structure checked with lxml, signatures with xmlsec1 --verify against
idp.pem, encrypted assertions with xmlsec1 --decrypt and the SP key), pysaml2 acting as an
SP on the good responses, the timing of `idp.py response`, and finally `idp.py serve`
driven over HTTP (an AuthnRequest from pysaml2's SP client, wrong then right credentials,
the auto-POST form). Prints one line per check and `N passed, N failed`; exits 1 on any
failure.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # pysaml2 imports attributemaps/*.py: leave no __pycache__

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import warnings

warnings.filterwarnings("ignore")
import logging  # noqa: E402

logging.disable(logging.CRITICAL)  # pysaml2 logs every refusal

from lxml import etree  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
IDP = os.path.join(HERE, "idp.py")
PY = sys.executable
XMLSEC1 = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"

NS = {
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "saml2": "urn:oasis:names:tc:SAML:2.0:assertion",
    "saml2p": "urn:oasis:names:tc:SAML:2.0:protocol",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
}
SP_ENTITY = "http://127.0.0.1:8080/saml/metadata"
SP_ACS = "http://127.0.0.1:8080/saml/acs"
EVIL = "evil@example.ac.jp"

results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {name}{(' — ' + detail) if detail else ''}", flush=True)
    return ok


def run(args, **kw):
    return subprocess.run(args, capture_output=True, **kw)


def parse(xml: bytes):
    # Our own fixtures; entities are not resolved (the DTD variants are only read as text).
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))


def xpath_of(el):
    parts = []
    while el is not None:
        parent = el.getparent()
        if parent is None:
            parts.append("/*")
        else:
            parts.append(f"/*[{[c for c in parent if isinstance(c.tag, str)].index(el) + 1}]")
        el = parent
    return "".join(reversed(parts))


def xmlsec_verify(path, cert, node=None, id_attrs=("Response", "Assertion")):
    """True if xmlsec1 verifies the signature (the first one, or the one at NODE) with CERT."""
    args = [XMLSEC1, "--verify", "--enabled-reference-uris", "empty,same-doc",
            "--enabled-key-data", "raw-x509-cert", "--pubkey-cert-pem", cert]
    for a in id_attrs:
        ns = NS["saml2p"] if a == "Response" else NS["saml2"] if a == "Assertion" else NS["md"]
        args += ["--id-attr:ID", f"{ns}:{a}"]
    if node is not None:
        args += ["--node-xpath", xpath_of(node)]
    return run(args + [path]).returncode == 0


def sigs(root):
    return list(root.iter(f"{{{NS['ds']}}}Signature"))


def sig_of(el):
    return el.find(f"{{{NS['ds']}}}Signature")


def assertions(root):
    return root.findall(f"{{{NS['saml2']}}}Assertion")


def text_of(root, path):
    el = root.find(path, NS)
    return None if el is None else "".join(el.itertext())


def eppn(el):
    """ePPN values of the assertion EL (or of the first assertion in EL), not of nested copies."""
    if el.tag != f"{{{NS['saml2']}}}Assertion":
        el = el.find(".//saml2:Assertion", NS)
    for a in el.findall("saml2:AttributeStatement/saml2:Attribute", NS):
        if a.get("Name") == "urn:oid:1.3.6.1.4.1.5923.1.1.1.6":
            return ["".join(v.itertext()) for v in a.findall("saml2:AttributeValue", NS)]
    return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", help="work in this folder and keep it")
    ap.add_argument("--port", type=int, default=0, help="port for `serve` (default: a free one)")
    args = ap.parse_args()
    work = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="sesshu-idp-selftest-")
    os.makedirs(work, exist_ok=True)
    d = os.path.join(work, "idp")
    port = args.port or free_port()
    try:
        run_all(work, d, port)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_all(work, d, port):
    # ---- init (twice: the second run reuses the keys)
    fresh = not os.path.exists(os.path.join(d, "idp.key"))
    p = run([PY, IDP, "init", d, "--sso-url", f"http://127.0.0.1:{port}/sso"])
    check("init", p.returncode == 0, p.stderr.decode()[-500:])
    first = json.loads(p.stdout)
    key_before = open(os.path.join(d, "idp.key"), "rb").read()
    p = run([PY, IDP, "init", d, "--sso-url", f"http://127.0.0.1:{port}/sso"])
    again = json.loads(p.stdout)
    check("init again reuses the keys", p.returncode == 0 and again["new_keys"] == []
          and open(os.path.join(d, "idp.key"), "rb").read() == key_before, str(again["new_keys"]))
    if fresh:
        check("init made new keys the first time", sorted(first["new_keys"]) == ["federation", "idp", "idp2", "other"])
    for f in ("idp.key", "idp.pem", "other.key", "other.pem", "federation.key", "federation.pem",
              "idp-metadata.xml", "idp-metadata-nokey.xml", "federation-metadata.xml",
              "federation-metadata-expired.xml", "federation-metadata-tampered.xml"):
        check(f"file {f}", os.path.getsize(os.path.join(d, f)) > 0)
    p = run(["openssl", "x509", "-in", os.path.join(d, "idp.pem"), "-noout", "-text"])
    out = p.stdout.decode()
    check("idp.pem: RSA 2048, self-signed", "Public-Key: (2048 bit)" in out and
          re.search(r"Issuer: (.*)\n", out).group(1) == re.search(r"Subject: (.*)\n", out).group(1))

    md = parse(open(os.path.join(d, "idp-metadata.xml"), "rb").read())
    check("idp-metadata: signing key is idp.pem",
          text_of(md, ".//md:KeyDescriptor[@use='signing']//ds:X509Certificate") ==
          "".join(open(os.path.join(d, "idp.pem")).read().split("-----")[2].split()))
    check("idp-metadata: scope, SSO, NameIDFormats",
          text_of(md, ".//{urn:mace:shibboleth:metadata:1.0}Scope") == "example.ac.jp"
          and md.find(".//md:SingleSignOnService", NS).get("Location") == f"http://127.0.0.1:{port}/sso"
          and len(md.findall(".//md:NameIDFormat", NS)) == 2)
    nokey = parse(open(os.path.join(d, "idp-metadata-nokey.xml"), "rb").read())
    check("idp-metadata-nokey: no KeyDescriptor", nokey.find(".//md:KeyDescriptor", NS) is None)

    fed = lambda name: os.path.join(d, name)  # noqa: E731
    fcert = fed("federation.pem")
    check("federation-metadata verifies with federation.pem",
          xmlsec_verify(fed("federation-metadata.xml"), fcert, id_attrs=("EntitiesDescriptor",)))
    check("federation-metadata does not verify with idp.pem",
          not xmlsec_verify(fed("federation-metadata.xml"), fed("idp.pem"), id_attrs=("EntitiesDescriptor",)))
    check("federation-metadata-expired verifies, validUntil in the past",
          xmlsec_verify(fed("federation-metadata-expired.xml"), fcert, id_attrs=("EntitiesDescriptor",))
          and parse(open(fed("federation-metadata-expired.xml"), "rb").read()).get("validUntil")
          < time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    check("federation-metadata-tampered does not verify",
          not xmlsec_verify(fed("federation-metadata-tampered.xml"), fcert, id_attrs=("EntitiesDescriptor",)))
    fm = parse(open(fed("federation-metadata.xml"), "rb").read())
    check("federation-metadata: EntitiesDescriptor, Signature first, RSA-SHA256, our IdP inside",
          fm.tag == f"{{{NS['md']}}}EntitiesDescriptor" and fm[0].tag == f"{{{NS['ds']}}}Signature"
          and fm.find(".//ds:SignatureMethod", NS).get("Algorithm").endswith("rsa-sha256")
          and any(e.get("entityID") == first["entity_id"] for e in fm.findall("md:EntityDescriptor", NS)))

    # ---- SP
    p = run([PY, IDP, "sp", work, "--entity-id", SP_ENTITY, "--acs-url", SP_ACS])
    check("sp", p.returncode == 0, p.stderr.decode()[-300:])
    sp_md, sp_key, idp_pem = os.path.join(work, "sp-metadata.xml"), os.path.join(work, "sp.key"), fed("idp.pem")

    # ---- responses
    variants = [line.split("\t")[0] for line in run([PY, IDP, "variants"]).stdout.decode().splitlines()]
    plain_only = {f"xsw{i}" for i in range(1, 9)} | {"dtd-entity", "billion-laughs", "xxe"}
    items, labels = [], []
    for v in variants:
        items.append({"in_response_to": f"_req_{v}", "variant": v})
        labels.append(v)
    for v in variants:
        if v not in plain_only:
            items.append({"in_response_to": f"_req_enc_{v}", "variant": v, "encrypt": True})
            labels.append(f"enc:{v}")
    extra = {
        "enc:good:aes256-gcm": {"enc_alg": "aes256-gcm", "encrypt": True},
        "enc:good:aes128-cbc": {"enc_alg": "aes128-cbc", "encrypt": True},
        "enc:good:rsa-1_5": {"key_alg": "rsa-1_5", "encrypt": True},
        "enc:good:sign-both": {"sign": "both", "encrypt": True},
        "good:sign-response": {"sign": "response"},
        "good:sign-assertion": {"sign": "assertion"},
        "good:attrs": {"attrs": {"eduPersonPrincipalName": "taro@example.ac.jp", "jaDisplayName": "髙橋 太郎",
                                 "eduPersonAffiliation": ["faculty", "member"], "eduPersonTargetedID": "tid-1",
                                 "jaOrganizationalUnitName": "医学部", "mail": ["t@example.ac.jp", "t2@example.ac.jp"]},
                       "name_id": "pid-42", "name_id_format": "persistent"},
    }
    for label, extra_args in extra.items():
        items.append({"in_response_to": f"_req_{label.replace(':', '_')}", "variant": "good", **extra_args})
        labels.append(label)
    req_file = os.path.join(work, "batch.json")
    json.dump(items, open(req_file, "w"))
    t0 = time.monotonic()
    p = run([PY, IDP, "batch", d, "--sp-metadata", sp_md, "--in-response-to-file", req_file])
    batch_s = time.monotonic() - t0
    if not check(f"batch of {len(items)} responses", p.returncode == 0, p.stderr.decode()[-1500:]):
        return
    encoded = json.loads(p.stdout)
    check("batch returns one response per item", len(encoded) == len(items))
    print(f"     batch: {len(items)} responses in {batch_s:.2f} s ({batch_s / len(items) * 1000:.0f} ms each)")
    files = {}
    for label, b64 in zip(labels, encoded):
        path = os.path.join(work, label.replace(":", "_") + ".xml")
        with open(path, "wb") as f:
            f.write(base64.b64decode(b64))
        files[label] = path

    for label in labels:
        check_variant(label, files[label], idp_pem, fed("other.pem"), sp_key)

    pysaml2_sp_checks(work, d, files, sp_key)

    # ---- errors
    p = run([PY, IDP, "response", d, "--sp-metadata", sp_md, "--in-response-to", "_x", "--variant", "nope"])
    check("unknown variant: exit 1, message on stderr", p.returncode == 1 and p.stdout == b"" and b"nope" in p.stderr)
    p = run([PY, IDP, "response", d, "--sp-metadata", sp_md, "--in-response-to", "_x", "--attrs", "{\"foo\": 1}"])
    check("unknown attribute: exit 1", p.returncode == 1 and b"foo" in p.stderr)
    p = run([PY, IDP, "response", d, "--sp-metadata", sp_md])
    check("missing --in-response-to: exit 1", p.returncode == 1 and b"in-response-to" in p.stderr)
    p = run([PY, IDP, "response", os.path.join(work, "nowhere"), "--sp-metadata", sp_md, "--in-response-to", "_x"])
    check("missing DIR: exit 1", p.returncode == 1 and b"init" in p.stderr)

    # ---- timing of one `response` process
    times = []
    for enc in ([], ["--encrypt"]):
        t0 = time.monotonic()
        p = run([PY, IDP, "response", d, "--sp-metadata", sp_md, "--in-response-to", "_t", *enc])
        times.append(time.monotonic() - t0)
        base64.b64decode(p.stdout.strip(), validate=True)
    print(f"     one `response` process: {times[0]:.2f} s plain, {times[1]:.2f} s encrypted")

    serve_checks(work, d, sp_md, port)


def decrypt_all(path, sp_key, count):
    """The document with its COUNT EncryptedData decrypted (xmlsec1 does one per run)."""
    data = open(path, "rb").read()
    for _ in range(count):
        tmp = path + ".dec.xml"
        open(tmp, "wb").write(data)
        p = run([XMLSEC1, "--decrypt", "--privkey-pem", sp_key, "--enabled-key-data", "enc-key", tmp])
        if p.returncode != 0:
            return None
        data = p.stdout
    return parse(data)


def check_variant(label, path, idp_pem, other_pem, sp_key):
    raw = open(path, "rb").read()
    enc = label.startswith("enc:")
    v = label.split(":")[1] if enc else label.split(":")[0]
    name = f"{label}"
    if v in ("dtd-entity", "billion-laughs", "xxe"):
        head = raw[:2000].decode()
        ent = {"dtd-entity": '<!ENTITY scope "example.ac.jp">', "billion-laughs": "<!ENTITY lol9 ",
               "xxe": '<!ENTITY xxe SYSTEM "file:///etc/passwd">'}[v]
        use = {"dtd-entity": ">hanako@&scope;<", "billion-laughs": ">&lol9;<", "xxe": ">&xxe;<"}[v]
        ok = "<!DOCTYPE saml2p:Response [" in head and ent in head and use.encode() in raw
        if v == "dtd-entity":
            # The signatures are valid over the expanded text (xmlsec1 itself does not expand
            # entities: expand with lxml, then verify).
            root = etree.fromstring(raw, etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=True))
            expanded = path + ".expanded.xml"
            with open(expanded, "wb") as f:
                f.write(etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8"))
            root = parse(open(expanded, "rb").read())
            ok = ok and eppn(root) == ["hanako@example.ac.jp"] and xmlsec_verify(expanded, idp_pem) \
                and xmlsec_verify(expanded, idp_pem, node=sig_of(assertions(root)[0]))
        check(name, ok, "DOCTYPE + entity in the ePPN value" + (", signatures valid once expanded" if v == "dtd-entity" else ""))
        return
    root = parse(raw)
    nsig = len(sigs(root))
    rsig = sig_of(root)
    if enc:
        dec = None
        eds = root.findall("saml2:EncryptedAssertion/xenc:EncryptedData", NS)
        if v == "status-error":
            ok = not eds
        else:
            ok = len(eds) >= 1 and not assertions(root)
            for ed in eds:
                ki = ed.find("ds:KeyInfo", NS)
                own_ds = re.search(rb'<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"', raw) is not None
                ok = ok and ki is not None and own_ds and ki.find("xenc:EncryptedKey", NS) is not None
            dec = decrypt_all(path, sp_key, len(eds))
            ok = ok and dec is not None and len(dec.findall(".//saml2:Assertion", NS)) == len(eds)
            if dec is not None:
                alg = ed.find("xenc:EncryptionMethod", NS).get("Algorithm")
                kalg = ed.find("ds:KeyInfo/xenc:EncryptedKey/xenc:EncryptionMethod", NS).get("Algorithm")
                want_alg = "aes256-gcm" if "aes256" in label else "aes128-cbc" if "cbc" in label else "aes128-gcm"
                want_k = "rsa-1_5" if "rsa-1_5" in label else "rsa-oaep-mgf1p"
                ok = ok and alg.endswith(want_alg) and kalg.endswith(want_k)
        if v in ("unsigned", "signature-stripped"):
            ok = ok and nsig == 0
        elif v == "wrong-key":
            ok = ok and not xmlsec_verify(path, idp_pem) and xmlsec_verify(path, other_pem)
        elif v == "sha1":
            ok = ok and xmlsec_verify(path, idp_pem) and rsig.find(".//ds:SignatureMethod", NS).get("Algorithm").endswith("rsa-sha1")
        else:
            ok = ok and rsig is not None and xmlsec_verify(path, idp_pem, node=rsig, id_attrs=(
                ("Response",) if v == "duplicate-ids" else ("Response", "Assertion")))
        if dec is not None and v != "status-error":
            ok = ok and check_content(v, dec, enc=True)
        check(name, ok, "encrypted; Response signature and decryption checked")
        return

    a = assertions(root)
    ok, detail = True, ""
    verify_all = lambda: all(  # noqa: E731
        xmlsec_verify(path, idp_pem, node=s) for s in sigs(root))
    if v == "good":
        if "sign-response" in label:
            ok = rsig is not None and nsig == 1 and verify_all()
        elif "sign-assertion" in label:
            ok = rsig is None and nsig == 1 and sig_of(a[0]) is not None and verify_all()
        else:
            ok = rsig is not None and sig_of(a[0]) is not None and nsig == 2 and verify_all()
        ok = ok and check_content(v, root, attrs_label=label)
        detail = f"{nsig} signature(s) valid with idp.pem"
    elif v == "unsigned" or v == "signature-stripped":
        ok = nsig == 0 and len(a) == 1
        detail = "no ds:Signature"
    elif v == "wrong-key":
        ok = nsig == 2 and not any(xmlsec_verify(path, idp_pem, node=s) for s in sigs(root)) \
            and all(xmlsec_verify(path, other_pem, node=s) for s in sigs(root))
        detail = "not valid with idp.pem, valid with other.pem"
    elif v == "sha1":
        algs = {m.get("Algorithm") for m in root.iter(f"{{{NS['ds']}}}SignatureMethod")} | \
               {m.get("Algorithm") for m in root.iter(f"{{{NS['ds']}}}DigestMethod")}
        ok = algs == {"http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1"} and verify_all()
        detail = "rsa-sha1 + sha1, valid with idp.pem"
    elif v.startswith("xsw"):
        ok, detail = check_xsw(v, path, root, idp_pem)
    elif v in ("comment-in-nameid", "comment-in-attribute"):
        holder = root.find(".//saml2:Subject/saml2:NameID", NS) if v == "comment-in-nameid" else \
            [x for x in root.iter(f"{{{NS['saml2']}}}Attribute") if x.get("FriendlyName") == "eduPersonPrincipalName"][0].find("saml2:AttributeValue", NS)
        ok = holder.text == "admin@example.ac.jp" and len(holder) == 1 and isinstance(holder[0], etree._Comment) \
            and holder[0].tail == ".evil.test" and nsig == 2 and verify_all()
        detail = "comment splits the text; both signatures valid"
    elif v == "two-assertions":
        ok = len(a) == 2 and nsig == 3 and verify_all() and EVIL in eppn(a[1]) and EVIL not in eppn(a[0])
        detail = "2 assertions (second for evil), 3 valid signatures"
    elif v == "duplicate-ids":
        ok = len(a) == 1 and a[0].get("ID") == root.get("ID") and nsig == 1 and \
            xmlsec_verify(path, idp_pem, node=rsig, id_attrs=("Response",))
        detail = "Assertion ID == Response ID, Response signature valid"
    elif v == "oversized":
        ok = len(raw) > 1024 * 1024 and nsig == 2 and verify_all()
        detail = f"{len(raw)} bytes, signatures valid"
    elif v == "status-error":
        ok = not a and nsig == 1 and verify_all() and \
            root.find("saml2p:Status/saml2p:StatusCode", NS).get("Value").endswith("Responder")
        detail = "Responder/AuthnFailed, signed"
    else:
        ok = nsig == 2 and verify_all() and check_content(v, root)
        detail = "signatures valid"
    check(name, ok, detail)


def check_content(v, root, enc=False, attrs_label=""):
    """What the variant changes, in the (decrypted) response."""
    a = root.find(".//saml2:Assertion", NS)
    scd = a.find(".//saml2:SubjectConfirmationData", NS)
    cond = a.find("saml2:Conditions", NS)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    audience = text_of(a, ".//saml2:Audience")
    if v == "comment-in-nameid":
        return "".join(a.find(".//saml2:Subject/saml2:NameID", NS).itertext()) == "admin@example.ac.jp.evil.test" \
            and b"<!---->" in etree.tostring(a)
    if v == "comment-in-attribute":
        return eppn(a) == ["admin@example.ac.jp.evil.test"] and b"<!---->" in etree.tostring(a)
    if v == "wrong-audience":
        return audience == "https://evil-sp.test.example/shibboleth"
    if v == "no-audience":
        return a.find(".//saml2:AudienceRestriction", NS) is None and cond is not None
    if v == "wrong-destination":
        return root.get("Destination") != SP_ACS and scd.get("Recipient") == SP_ACS
    if v == "no-destination":
        return root.get("Destination") is None
    if v == "wrong-recipient":
        return scd.get("Recipient") != SP_ACS and root.get("Destination") == SP_ACS
    if v == "expired":
        return cond.get("NotOnOrAfter") < now and scd.get("NotOnOrAfter") < now and root.get("IssueInstant") < now
    if v == "not-yet-valid":
        return cond.get("NotBefore") > now
    if v == "idp-initiated":
        return b"InResponseTo" not in etree.tostring(root)
    if v == "wrong-issuer":
        return all(i.text == "https://idp2.test.example/idp/shibboleth" for i in root.iter(f"{{{NS['saml2']}}}Issuer"))
    if v == "two-assertions":
        return len(root.findall(".//saml2:Assertion", NS)) == 2
    if v == "oversized":
        return len(etree.tostring(root)) > 1024 * 1024
    if v == "duplicate-ids":
        return a.get("ID") == root.get("ID")
    # good (and the signature variants): everything as an SP expects it
    ok = (root.get("Destination") == SP_ACS and scd.get("Recipient") == SP_ACS and audience == SP_ENTITY
          and scd.get("InResponseTo") == root.get("InResponseTo") and root.get("InResponseTo")
          and cond.get("NotBefore") <= now < cond.get("NotOnOrAfter"))
    if attrs_label == "good:attrs":
        attrs = {x.get("FriendlyName"): (x.get("Name"), x.get("NameFormat"), ["".join(v.itertext()) for v in x.findall("saml2:AttributeValue", NS)])
                 for x in a.iter(f"{{{NS['saml2']}}}Attribute")}
        nid = a.find(".//saml2:Subject/saml2:NameID", NS)
        ok = ok and attrs == {
            "eduPersonPrincipalName": ("urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri", ["taro@example.ac.jp"]),
            "jaDisplayName": ("urn:oid:1.3.6.1.4.1.32264.1.1.3", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri", ["髙橋 太郎"]),
            "eduPersonAffiliation": ("urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri", ["faculty", "member"]),
            "eduPersonTargetedID": ("urn:oid:1.3.6.1.4.1.5923.1.1.1.10", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri", ["tid-1"]),
            "jaOrganizationalUnitName": ("urn:oid:1.3.6.1.4.1.32264.1.1.5", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri", ["医学部"]),
            "mail": ("urn:oid:0.9.2342.19200300.100.1.3", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri", ["t@example.ac.jp", "t2@example.ac.jp"]),
        } and nid.text == "pid-42" and nid.get("Format").endswith(":persistent")
    elif v == "good" and not enc:
        ok = ok and eppn(a) == ["hanako@example.ac.jp"] and "山田 花子" in etree.tostring(a, encoding="unicode")
    return bool(ok)


def check_xsw(v, path, root, idp_pem):
    """The wrapped structure, and what xmlsec1 makes of the signature (informational: a
    verifier that checks the signature and then reads other content is fooled where
    'signature valid' shows)."""
    a = assertions(root)
    if v in ("xsw1", "xsw2"):
        sig = sig_of(root)
        inner = root.find("ds:Signature/saml2p:Response", NS) if v == "xsw1" else root.find("saml2p:Response", NS)
        ok = (sig is not None and inner is not None and sig_of(inner) is None and root.get("ID").startswith("_evil_response_")
              and EVIL in eppn(root.find("saml2:Assertion", NS)) and EVIL not in eppn(inner)
              and sig.find(".//ds:Reference", NS).get("URI") == "#" + inner.get("ID"))
        valid = xmlsec_verify(path, idp_pem, node=sig)
    else:
        ids = [x.get("ID") for x in root.iter(f"{{{NS['saml2']}}}Assertion")]
        if v == "xsw3":
            ok = len(a) == 2 and sig_of(a[0]) is None and sig_of(a[1]) is not None and EVIL in eppn(a[0]) and EVIL not in eppn(a[1])
            sig = sig_of(a[1])
        elif v == "xsw4":
            inner = a[0].find("saml2:Assertion", NS) if a else None
            ok = len(a) == 1 and sig_of(a[0]) is None and inner is not None and sig_of(inner) is not None and EVIL in eppn(a[0]) and EVIL not in eppn(inner)
            sig = sig_of(inner)
        elif v == "xsw5":
            ok = len(a) == 2 and sig_of(a[0]) is not None and sig_of(a[1]) is None and EVIL in eppn(a[0]) and EVIL not in eppn(a[1]) \
                and sig_of(a[0]).find(".//ds:Reference", NS).get("URI") == "#" + a[1].get("ID")
            sig = sig_of(a[0])
        elif v == "xsw6":
            sig = sig_of(a[0])
            inner = sig.find("saml2:Assertion", NS)
            ok = len(a) == 1 and inner is not None and EVIL in eppn(a[0]) and EVIL not in eppn(inner) \
                and sig.find(".//ds:Reference", NS).get("URI") == "#" + inner.get("ID")
        elif v == "xsw7":
            ext = root.find("saml2p:Extensions", NS)
            evil = ext.find("saml2:Assertion", NS) if ext is not None else None
            ok = evil is not None and sig_of(evil) is None and len(a) == 1 and sig_of(a[0]) is not None \
                and evil.get("ID") == a[0].get("ID") and EVIL in eppn(evil) and EVIL not in eppn(a[0])
            sig = sig_of(a[0])
        else:  # xsw8
            sig = sig_of(a[0])
            inner = sig.find("ds:Object/saml2:Assertion", NS)
            ok = len(a) == 1 and inner is not None and inner.get("ID") == a[0].get("ID") and EVIL in eppn(a[0]) and EVIL not in eppn(inner)
        ok = ok and sig_of(root) is None  # the Response itself is not signed in XSW3-8
        valid = xmlsec_verify(path, idp_pem, node=sig)
        ids = ids  # noqa
    return ok, f"forged content for {EVIL}; xmlsec1 on the wrapped signature: {'valid' if valid else 'invalid'}"


def pysaml2_sp_checks(work, d, files, sp_key):
    """pysaml2 as a second, independent SP implementation on the good responses."""
    try:
        from saml2 import BINDING_HTTP_POST
        from saml2.client import Saml2Client
        from saml2.config import SPConfig
    except ImportError as e:
        check("pysaml2 SP", False, str(e))
        return
    client = Saml2Client(config=sp_config(work, d, sp_key, SPConfig))
    for label in ("good", "enc:good", "good:attrs", "good:sign-response", "good:sign-assertion", "enc:good:aes128-cbc",
                  "enc:good:aes256-gcm", "enc:good:sign-both"):
        b64 = base64.b64encode(open(files[label], "rb").read()).decode()
        req_id = "_req_" + ("enc_good" if label == "enc:good" else label.replace(":", "_"))
        try:
            resp = client.parse_authn_request_response(b64, BINDING_HTTP_POST, outstanding={req_id: "/"})
            ava = resp.get_identity()
            ok = resp is not None and ava.get("eduPersonPrincipalName") in (["hanako@example.ac.jp"], ["taro@example.ac.jp"])
            check(f"pysaml2 SP accepts {label}", ok, f"ePPN {ava.get('eduPersonPrincipalName')}, jaDisplayName {ava.get('jaDisplayName')}")
        except Exception as e:
            check(f"pysaml2 SP accepts {label}", False, f"{type(e).__name__}: {e}")
    # Informational only: what pysaml2's SP makes of some negative variants.
    seen = []
    for label in ("unsigned", "signature-stripped", "wrong-key", "sha1", "wrong-audience", "expired",
                  "not-yet-valid", "wrong-recipient", "wrong-destination", "xsw3", "two-assertions"):
        b64 = base64.b64encode(open(files[label], "rb").read()).decode()
        try:
            resp = client.parse_authn_request_response(b64, BINDING_HTTP_POST, outstanding={f"_req_{label}": "/"})
            seen.append(f"{label}: {'accepted' if resp is not None else 'refused'}")
        except Exception as e:
            seen.append(f"{label}: refused ({type(e).__name__})")
    print("     (info) pysaml2 as SP: " + "; ".join(seen))


def sp_config(work, d, sp_key, SPConfig):
    return SPConfig().load({
        "entityid": SP_ENTITY,
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(SP_ACS, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")]},
            "want_response_signed": False,
            "want_assertions_signed": False,
            "want_assertions_or_response_signed": True,
            "allow_unsolicited": False,
        }},
        "key_file": sp_key,
        "cert_file": os.path.join(work, "sp.pem"),
        "encryption_keypairs": [{"key_file": sp_key, "cert_file": os.path.join(work, "sp.pem")}],
        "metadata": {"local": [os.path.join(d, "idp-metadata.xml")]},
        "attribute_map_dir": os.path.join(HERE, "attributemaps"),
        "xmlsec_binary": XMLSEC1,
        "accepted_time_diff": 60,
    })


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


def serve_checks(work, d, sp_md, port):
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    proc = subprocess.Popen([PY, IDP, "serve", d, "--port", str(port), "--sp-metadata", sp_md],
                            stdout=subprocess.PIPE, stderr=open(os.path.join(work, "serve.log"), "wb"))
    try:
        t0 = time.monotonic()
        line = proc.stdout.readline().decode().strip()
        check("serve: prints the listening line", line == f"listening on http://127.0.0.1:{port}", line)
        print(f"     serve ready after {time.monotonic() - t0:.2f} s")
        pid = open(os.path.join(d, "idp.pid")).read().strip()
        check("serve: idp.pid holds its PID", pid == str(proc.pid), pid)

        client = Saml2Client(config=sp_config(work, d, os.path.join(work, "sp.key"), SPConfig))
        req_id, info = client.prepare_for_authenticate(relay_state="/after/ログイン?x=1&y=<2>")
        url = dict(info["headers"])["Location"]
        check("pysaml2 SP client made an HTTP-Redirect AuthnRequest to /sso", url.startswith(f"http://127.0.0.1:{port}/sso?SAMLRequest="))
        body = urllib.request.urlopen(url, timeout=10).read().decode()
        check("GET /sso shows the login form", 'name="username"' in body and 'name="password"' in body and ">Log in</button>" in body)
        form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body))
        import html as html_mod
        form = {k: html_mod.unescape(v) for k, v in form.items()}
        check("login form carries SAMLRequest and RelayState", form.get("RelayState") == "/after/ログイン?x=1&y=<2>" and form.get("SAMLRequest"))

        def post(fields):
            data = urllib.parse.urlencode(fields).encode()
            return urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/sso", data=data), timeout=10).read().decode()

        body = post({**form, "username": "hanako", "password": "wrong"})
        check("wrong password: the form again, with an error", 'name="password"' in body and "SAMLResponse" not in body and 'role="alert"' in body)
        body = post({**form, "username": "hanako", "password": "secret"})
        m = re.search(r'<form method="post" action="([^"]+)">', body)
        fields = {k: html_mod.unescape(v) for k, v in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body)}
        check("right password: auto-POST form to the ACS with a Continue button",
              m is not None and m.group(1) == SP_ACS and ">Continue</button>" in body and "<script" not in body
              and fields.get("RelayState") == "/after/ログイン?x=1&y=<2>" and "SAMLResponse" in fields)
        xml = base64.b64decode(fields.get("SAMLResponse", ""))
        root = parse(xml)
        path = os.path.join(work, "served.xml")
        open(path, "wb").write(xml)
        check("served response answers the AuthnRequest and verifies",
              root.get("InResponseTo") == req_id and xmlsec_verify(path, os.path.join(d, "idp.pem")))
        resp = client.parse_authn_request_response(fields["SAMLResponse"], "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                                                   outstanding={req_id: "/"})
        check("pysaml2 SP accepts the served response", resp.get_identity().get("eduPersonPrincipalName") == ["hanako@example.ac.jp"])
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sso?SAMLRequest=bm9wZQ", timeout=10)
            check("garbage SAMLRequest: 400", False)
        except urllib.error.HTTPError as e:
            check("garbage SAMLRequest: 400", e.code == 400)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = None
        check("serve stops on SIGTERM and removes idp.pid", rc == 0 and not os.path.exists(os.path.join(d, "idp.pid")), f"rc={rc}")


if __name__ == "__main__":
    sys.exit(main())
