#!/usr/bin/env python3
"""A test SAML 2.0 Identity Provider (GakuNin-like Shibboleth IdP) for Sesshu's SP tests.

Real responses: pysaml2 (PyPI pysaml2 7.5.5) builds the <Response> and its <Assertion>;
Debian's xmlsec1 (the same command-line tool pysaml2 itself drives) signs and encrypts
them. Negative variants are derived from such real responses with lxml (installed in the
test venv from scripts/requirements-test.txt), either before signing (so the signatures
stay valid) or after signing (to break or wrap them). See scripts/saml/README.md.

    idp.py init DIR [--entity-id URL] [--scope DOMAIN] [--sso-url URL]
    idp.py sp DIR [--entity-id URL] [--acs-url URL]
    idp.py response DIR --sp-metadata FILE --in-response-to ID [--attrs JSON]
                    [--name-id VALUE] [--name-id-format transient|persistent|...]
                    [--variant NAME] [--sign both|response|assertion|none]
                    [--encrypt] [--enc-alg aes128-gcm|aes256-gcm|aes128-cbc]
                    [--key-alg rsa-oaep-mgf1p|rsa-1_5|rsa-oaep] [--destination URL] [--xml]
    idp.py batch DIR --sp-metadata FILE --in-response-to-file FILE.json
    idp.py serve DIR --sp-metadata FILE [--port PORT] [--attrs JSON]
                    [--login hanako] [--password secret] [--encrypt] [--variant NAME]
                    [--auto-submit]
    idp.py variants

Results go to stdout; errors to stderr with exit status 1.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # pysaml2 imports attributemaps/*.py: leave no __pycache__

import argparse
import base64
import copy
import datetime as dt
import html
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))

NS = {
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "saml2": "urn:oasis:names:tc:SAML:2.0:assertion",
    "saml2p": "urn:oasis:names:tc:SAML:2.0:protocol",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
    "shibmd": "urn:mace:shibboleth:metadata:1.0",
    "xs": "http://www.w3.org/2001/XMLSchema",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}

BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
NAMEID_FORMATS = {
    "transient": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    "persistent": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "unspecified": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "email": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
}

SIG_ALGS = {
    "sha256": (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmlenc#sha256",
    ),
    "sha1": (
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#sha1",
    ),
}
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

# Content encryption: name -> (Algorithm URI, xmlsec1 --session-key).
ENC_ALGS = {
    "aes128-gcm": ("http://www.w3.org/2009/xmlenc11#aes128-gcm", "aes-128"),
    "aes256-gcm": ("http://www.w3.org/2009/xmlenc11#aes256-gcm", "aes-256"),
    "aes128-cbc": ("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "aes-128"),
}
# Key transport. xmlsec1 1.2.x knows only rsa-oaep-mgf1p with SHA-1 and rsa-1_5: "rsa-oaep"
# (XML Encryption 1.1's RSA-OAEP with SHA-256 and MGF1-SHA-256, which Shibboleth IdP v4/v5 may
# use) is done with the `cryptography` package (a pysaml2 dependency) instead; see
# encrypt_with_cryptography.
KEY_ALGS = {
    "rsa-oaep-mgf1p": "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
    "rsa-1_5": "http://www.w3.org/2001/04/xmlenc#rsa-1_5",
    "rsa-oaep": "http://www.w3.org/2009/xmlenc11#rsa-oaep",
}
XENC11 = "http://www.w3.org/2009/xmlenc11#"

# The GakuNin attributes this IdP releases (friendly name -> OID); see attributemaps/.
ATTRIBUTES = {
    "eduPersonPrincipalName": "urn:oid:1.3.6.1.4.1.5923.1.1.1.6",
    "eduPersonTargetedID": "urn:oid:1.3.6.1.4.1.5923.1.1.1.10",
    "eduPersonAffiliation": "urn:oid:1.3.6.1.4.1.5923.1.1.1.1",
    "eduPersonScopedAffiliation": "urn:oid:1.3.6.1.4.1.5923.1.1.1.9",
    "jaDisplayName": "urn:oid:1.3.6.1.4.1.32264.1.1.3",
    "displayName": "urn:oid:2.16.840.1.113730.3.1.241",
    "jaOrganizationalUnitName": "urn:oid:1.3.6.1.4.1.32264.1.1.5",
    "ou": "urn:oid:2.5.4.11",
    "mail": "urn:oid:0.9.2342.19200300.100.1.3",
}
EPPN_OID = ATTRIBUTES["eduPersonPrincipalName"]

# Values the forged parts of negative variants carry.
EVIL_USER = "evil@example.ac.jp"
EVIL_SP = "https://evil-sp.test.example/shibboleth"
EVIL_ACS = "https://evil-sp.test.example/Shibboleth.sso/SAML2/POST"
OTHER_IDP = "https://idp2.test.example/idp/shibboleth"
OTHER_SCOPE = "example2.ac.jp"

# Every variant, with a one-line description (also printed by `idp.py variants`).
VARIANTS = {
    "good": "a valid response (Response signed; Assertion signed too unless --encrypt)",
    "unsigned": "no signature at all",
    "signature-stripped": "signed, then every ds:Signature element removed",
    "wrong-key": "signed with other.key (a key in no metadata; its cert in KeyInfo)",
    "sha1": "signed with RSA-SHA1 and SHA-1 digests",
    "xsw1": "XSW1: evil Response (new IDs) as root; unsigned copy of the original "
    "Response appended inside the Response's ds:Signature (Response-only signature)",
    "xsw2": "XSW2: like xsw1, but the unsigned original Response copy sits beside the "
    "signature, just before it (detached)",
    "xsw3": "XSW3: unsigned evil Assertion (new ID) inserted before the signed original "
    "Assertion (Assertion-only signature)",
    "xsw4": "XSW4: unsigned evil Assertion (new ID) wrapping the signed original Assertion",
    "xsw5": "XSW5: the signed Assertion itself made evil (new ID, signature kept); an "
    "unsigned copy of the original appended at the end of the Response",
    "xsw6": "XSW6: like xsw5, but the unsigned original copy placed inside the evil "
    "Assertion's ds:Signature",
    "xsw7": "XSW7: unsigned evil copy of the Assertion (same ID) inside a "
    "saml2p:Extensions element before the signed original",
    "xsw8": "XSW8: the signed Assertion made evil in place (same ID); unsigned original "
    "copy in a ds:Object inside its ds:Signature",
    "comment-in-nameid": "NameID admin@example.ac.jp<!---->.evil.test, signed (c14n "
    "drops comments: signature valid)",
    "comment-in-attribute": "ePPN value admin@example.ac.jp<!---->.evil.test, signed",
    "wrong-audience": "Audience is another SP (" + EVIL_SP + "), signed",
    "no-audience": "AudienceRestriction removed before signing",
    "wrong-destination": "Response Destination is another SP's ACS, signed",
    "no-destination": "Response without Destination, signed",
    "wrong-recipient": "SubjectConfirmationData Recipient is another SP's ACS, signed",
    "expired": "IssueInstant 1 h ago, NotOnOrAfter (Conditions and "
    "SubjectConfirmationData) 55 min ago, signed",
    "not-yet-valid": "Conditions NotBefore 1 h ahead, signed",
    "two-assertions": "a second assertion (for " + EVIL_USER + ") in the response, "
    "everything signed",
    "duplicate-ids": "Assertion ID equal to the Response ID, Response signed "
    "(only the Response's ID registered when signing)",
    "dtd-entity": "DOCTYPE with an internal entity used in the ePPN value (signature "
    "valid once the entity is expanded)",
    "billion-laughs": "DOCTYPE with nested entities (10^9 'lol') used in the ePPN value",
    "xxe": "DOCTYPE with an external entity (file:///etc/passwd) used in the ePPN value",
    "oversized": "valid signed response padded with a > 1 MiB attribute (description)",
    "idp-initiated": "no InResponseTo anywhere (unsolicited response), signed",
    "wrong-issuer": "Issuer is another federation IdP (" + OTHER_IDP + "), signed with idp.key",
    "status-error": "a signed error response (Responder/AuthnFailed), no assertion",
    "short-cipher-value": "with --encrypt: the EncryptedData's CipherValue replaced by 8 "
    "bytes before the Response is signed (shorter than any IV)",
}
XSW_VARIANTS = {f"xsw{i}" for i in range(1, 9)}
DTD_VARIANTS = {"dtd-entity", "billion-laughs", "xxe"}

XMLSEC1 = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"


class Failure(Exception):
    """A user-facing error: printed to stderr, exit status 1."""


# ---------------------------------------------------------------- small helpers


def etree():
    from lxml import etree as _etree

    return _etree


def safe_parser():
    """An lxml parser for XML we did not write: no DTD loading, no entities, no network."""
    return etree().XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )


def own_parser():
    """For XML this script made (xmlsec1 output). Keeps whitespace and comments."""
    return etree().XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def q(prefix: str, local: str) -> str:
    return f"{{{NS[prefix]}}}{local}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    return "_" + secrets.token_hex(16)


def b64_cert(pem_path: str) -> str:
    with open(pem_path, encoding="ascii") as f:
        body = f.read()
    m = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", body, re.S)
    if not m:
        raise Failure(f"{pem_path}: no PEM certificate")
    return "".join(m.group(1).split())


def pem_from_b64(b64: str) -> str:
    b64 = "".join(b64.split())
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


_TMPDIR = None


def tmpdir() -> str:
    global _TMPDIR
    if _TMPDIR is None:
        _TMPDIR = tempfile.mkdtemp(prefix="sesshu-idp-")
    return _TMPDIR


def cleanup_tmpdir():
    global _TMPDIR
    if _TMPDIR is not None:
        shutil.rmtree(_TMPDIR, ignore_errors=True)
        _TMPDIR = None


def run_xmlsec(args: list[str], data: bytes, extra_files: dict[str, bytes] | None = None) -> bytes:
    """Runs xmlsec1 ARGS ... --output OUT IN (IN holds DATA) and returns OUT's bytes.

    In extra_files, name -> bytes are written beside IN; "{name}" in ARGS is replaced by
    that file's path."""
    d = tmpdir()
    tag = secrets.token_hex(6)
    paths = {}
    for name, content in (extra_files or {}).items():
        p = os.path.join(d, f"{tag}-{name}")
        with open(p, "wb") as f:
            f.write(content)
        paths[name] = p
    inp = os.path.join(d, f"{tag}-in.xml")
    out = os.path.join(d, f"{tag}-out.xml")
    with open(inp, "wb") as f:
        f.write(data)
    argv = [XMLSEC1] + [a.format(**paths) if "{" in a else a for a in args] + ["--output", out, inp]
    try:
        p = subprocess.run(argv, capture_output=True)
        if p.returncode != 0:
            raise Failure(
                f"xmlsec1 {args[0]} failed (exit {p.returncode}): "
                + p.stderr.decode("utf-8", "replace").strip()[-2000:]
            )
        with open(out, "rb") as f:
            return f.read()
    finally:
        for p in [inp, out, *paths.values()]:
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass


def element_xpath(el) -> str:
    """Absolute positional XPath (/*/*[2]/*[1]) of an element, for xmlsec1 --node-xpath."""
    parts = []
    while el is not None:
        parent = el.getparent()
        if parent is None:
            parts.append("/*")
        else:
            siblings = [c for c in parent if isinstance(c.tag, str)]
            parts.append(f"/*[{siblings.index(el) + 1}]")
        el = parent
    return "".join(reversed(parts))


def serialize(root) -> bytes:
    """The document of ROOT as UTF-8 bytes, with an XML declaration (no DOCTYPE: none of the
    documents this script parses has one)."""
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree().tostring(root, encoding="UTF-8")


# ---------------------------------------------------------------- keys and certificates


def ensure_key_and_cert(key_path: str, cert_path: str, common_name: str, days: int = 365) -> bool:
    """Creates an RSA 2048 key and a self-signed certificate (valid DAYS) unless both files
    exist, match and stay valid for another day. Returns True if it made new ones."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)
    if os.path.exists(key_path) and os.path.exists(cert_path):
        try:
            with open(key_path, "rb") as f:
                key = serialization.load_pem_private_key(f.read(), password=None)
            with open(cert_path, "rb") as f:
                cert = x509.load_pem_x509_certificate(f.read())
            same = cert.public_key().public_numbers() == key.public_key().public_numbers()
            if same and cert.not_valid_after_utc > now + dt.timedelta(days=1):
                return False
        except Exception:  # unreadable or mismatched: make new ones
            pass
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sesshu tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    os.replace(key_path + ".tmp", key_path)
    with open(cert_path + ".tmp", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(cert_path + ".tmp", cert_path)
    return True


# ---------------------------------------------------------------- signing


def signature_template(ref_id: str, alg: str, cert_b64: str):
    sig_uri, digest_uri = SIG_ALGS[alg]
    xml = f"""<ds:Signature xmlns:ds="{NS['ds']}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/><ds:SignatureMethod Algorithm="{sig_uri}"/><ds:Reference URI="#{ref_id}"><ds:Transforms><ds:Transform Algorithm="{ENVELOPED}"/><ds:Transform Algorithm="{EXC_C14N}"><ec:InclusiveNamespaces xmlns:ec="{EXC_C14N}" PrefixList="xs"/></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="{digest_uri}"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"""
    return etree().fromstring(xml)


ID_ATTRS_SAML = [
    "--id-attr:ID",
    "urn:oasis:names:tc:SAML:2.0:protocol:Response",
    "--id-attr:ID",
    "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
]
ID_ATTRS_RESPONSE_ONLY = ID_ATTRS_SAML[:2]
ID_ATTRS_METADATA = ["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:metadata:EntitiesDescriptor"]


def sign_element(root, target, key_path: str, cert_b64: str, alg: str = "sha256", id_attrs=None):
    """Inserts an enveloped signature template into TARGET (after its Issuer, else as first
    child), signs it with xmlsec1 and returns the new document's root element."""
    sig = signature_template(target.get("ID"), alg, cert_b64)
    issuer = target.find(q("saml2", "Issuer"))
    if issuer is not None:
        issuer.addnext(sig)
    else:
        target.insert(0, sig)
    xpath = element_xpath(sig)
    out = run_xmlsec(
        ["--sign", "--privkey-pem", key_path, *(id_attrs or ID_ATTRS_SAML), "--node-xpath", xpath],
        serialize(root),
    )
    return etree().fromstring(out, own_parser())


# ---------------------------------------------------------------- metadata


def idp_entity_descriptor(entity_id, scope, sso_url, cert_b64=None):
    E = etree()
    ed = E.Element(q("md", "EntityDescriptor"), nsmap={"md": NS["md"], "ds": NS["ds"], "shibmd": NS["shibmd"]})
    ed.set("entityID", entity_id)
    idp = E.SubElement(ed, q("md", "IDPSSODescriptor"))
    idp.set("protocolSupportEnumeration", "urn:oasis:names:tc:SAML:2.0:protocol")
    ext = E.SubElement(idp, q("md", "Extensions"))
    sc = E.SubElement(ext, q("shibmd", "Scope"))
    sc.set("regexp", "false")
    sc.text = scope
    if cert_b64:
        kd = E.SubElement(idp, q("md", "KeyDescriptor"))
        kd.set("use", "signing")
        ki = E.SubElement(kd, q("ds", "KeyInfo"))
        xd = E.SubElement(ki, q("ds", "X509Data"))
        E.SubElement(xd, q("ds", "X509Certificate")).text = cert_b64
    for fmt in ("persistent", "transient"):
        E.SubElement(idp, q("md", "NameIDFormat")).text = NAMEID_FORMATS[fmt]
    sso = E.SubElement(idp, q("md", "SingleSignOnService"))
    sso.set("Binding", BINDING_REDIRECT)
    sso.set("Location", sso_url)
    return ed


def write_bytes(path: str, data: bytes):
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def federation_metadata(dirpath, entities, valid_until, name):
    E = etree()
    root = E.Element(q("md", "EntitiesDescriptor"), nsmap={"md": NS["md"], "ds": NS["ds"], "shibmd": NS["shibmd"]})
    root.set("ID", new_id())
    root.set("Name", name)
    root.set("validUntil", iso(valid_until))
    for ed in entities:
        root.append(copy.deepcopy(ed))
    return sign_element(
        root,
        root,
        os.path.join(dirpath, "federation.key"),
        b64_cert(os.path.join(dirpath, "federation.pem")),
        id_attrs=ID_ATTRS_METADATA,
    )


def cmd_init(args):
    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    host = urllib.parse.urlparse(args.entity_id).hostname or "idp.test.example"
    made = {}
    # other.pem has the same subject as idp.pem: only its key tells them apart.
    for base, cn in (("idp", host), ("other", host), ("idp2", urllib.parse.urlparse(OTHER_IDP).hostname),
                     ("federation", "Sesshu test federation metadata signer")):
        made[base] = ensure_key_and_cert(os.path.join(d, base + ".key"), os.path.join(d, base + ".pem"), cn)

    settings = {"entity_id": args.entity_id, "scope": args.scope, "sso_url": args.sso_url}
    write_bytes(os.path.join(d, "idp.json"), (json.dumps(settings, indent=2) + "\n").encode())

    cert = b64_cert(os.path.join(d, "idp.pem"))
    ed = idp_entity_descriptor(args.entity_id, args.scope, args.sso_url, cert)
    write_bytes(os.path.join(d, "idp-metadata.xml"), serialize(ed))
    ed_nokey = idp_entity_descriptor(args.entity_id, args.scope, args.sso_url, None)
    write_bytes(os.path.join(d, "idp-metadata-nokey.xml"), serialize(ed_nokey))

    # A second IdP of the federation, with its own key (idp2.pem): lets an SP test that it
    # takes the key of the Issuer's own entity, not any key in the federation metadata.
    other_sso = "https://idp2.test.example/idp/profile/SAML2/Redirect/SSO"
    ed2 = idp_entity_descriptor(OTHER_IDP, OTHER_SCOPE, other_sso, b64_cert(os.path.join(d, "idp2.pem")))
    now = utcnow()
    fed_name = "https://fed.test.example/sesshu-test-federation"
    fed = federation_metadata(d, [ed, ed2], now + dt.timedelta(days=7), fed_name)
    write_bytes(os.path.join(d, "federation-metadata.xml"), serialize(fed))
    expired = federation_metadata(d, [ed, ed2], now - dt.timedelta(days=1), fed_name)
    write_bytes(os.path.join(d, "federation-metadata-expired.xml"), serialize(expired))
    tampered = federation_metadata(d, [ed, ed2], now + dt.timedelta(days=7), fed_name)
    # After signing: our IdP's SSO endpoint now points elsewhere.
    sso = tampered.find(f"{q('md', 'EntityDescriptor')}/{q('md', 'IDPSSODescriptor')}/{q('md', 'SingleSignOnService')}")
    sso.set("Location", "https://evil.test.example/idp/profile/SAML2/Redirect/SSO")
    write_bytes(os.path.join(d, "federation-metadata-tampered.xml"), serialize(tampered))

    files = {
        "settings": "idp.json",
        "idp_key": "idp.key",
        "idp_cert": "idp.pem",
        "other_key": "other.key",
        "other_cert": "other.pem",
        "idp2_key": "idp2.key",
        "idp2_cert": "idp2.pem",
        "federation_key": "federation.key",
        "federation_cert": "federation.pem",
        "idp_metadata": "idp-metadata.xml",
        "idp_metadata_nokey": "idp-metadata-nokey.xml",
        "federation_metadata": "federation-metadata.xml",
        "federation_metadata_expired": "federation-metadata-expired.xml",
        "federation_metadata_tampered": "federation-metadata-tampered.xml",
    }
    print(
        json.dumps(
            {
                "dir": d,
                **settings,
                "other_idp_entity_id": OTHER_IDP,
                "federation_name": fed_name,
                "federation_valid_until": iso(now + dt.timedelta(days=7)),
                "new_keys": sorted(k for k, v in made.items() if v),
                "files": {k: os.path.join(d, v) for k, v in files.items()},
            },
            indent=2,
            ensure_ascii=False,
        )
    )


def cmd_sp(args):
    """A test SP: sp.key/sp.pem and sp-metadata.xml (encryption + signing KeyDescriptor)."""
    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    host = urllib.parse.urlparse(args.entity_id).hostname or "sp.test.example"
    ensure_key_and_cert(os.path.join(d, "sp.key"), os.path.join(d, "sp.pem"), host)
    cert = b64_cert(os.path.join(d, "sp.pem"))
    E = etree()
    ed = E.Element(q("md", "EntityDescriptor"), nsmap={"md": NS["md"], "ds": NS["ds"]})
    ed.set("entityID", args.entity_id)
    sp = E.SubElement(ed, q("md", "SPSSODescriptor"))
    sp.set("AuthnRequestsSigned", "false")
    sp.set("WantAssertionsSigned", "false")
    sp.set("protocolSupportEnumeration", "urn:oasis:names:tc:SAML:2.0:protocol")
    for use in ("signing", "encryption"):
        kd = E.SubElement(sp, q("md", "KeyDescriptor"))
        kd.set("use", use)
        ki = E.SubElement(kd, q("ds", "KeyInfo"))
        E.SubElement(E.SubElement(ki, q("ds", "X509Data")), q("ds", "X509Certificate")).text = cert
    for fmt in ("transient", "persistent"):
        E.SubElement(sp, q("md", "NameIDFormat")).text = NAMEID_FORMATS[fmt]
    acs = E.SubElement(sp, q("md", "AssertionConsumerService"))
    acs.set("Binding", BINDING_POST)
    acs.set("Location", args.acs_url)
    acs.set("index", "0")
    acs.set("isDefault", "true")
    write_bytes(os.path.join(d, "sp-metadata.xml"), serialize(ed))
    print(json.dumps({"entity_id": args.entity_id, "acs_url": args.acs_url,
                      "files": {k: os.path.join(d, v) for k, v in
                                (("sp_key", "sp.key"), ("sp_cert", "sp.pem"), ("sp_metadata", "sp-metadata.xml"))}},
                     indent=2))


# ---------------------------------------------------------------- SP metadata


class SpInfo:
    def __init__(self, path: str):
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as e:
            raise Failure(f"cannot read SP metadata {path}: {e}")
        try:
            root = etree().fromstring(raw, safe_parser())
        except Exception as e:
            raise Failure(f"SP metadata {path} is not well-formed XML: {e}")
        eds = [root] if root.tag == q("md", "EntityDescriptor") else list(root.iter(q("md", "EntityDescriptor")))
        ed = next((e for e in eds if e.find(q("md", "SPSSODescriptor")) is not None), None)
        if ed is None:
            raise Failure(f"SP metadata {path}: no EntityDescriptor with an SPSSODescriptor")
        self.entity_id = ed.get("entityID")
        if not self.entity_id:
            raise Failure(f"SP metadata {path}: EntityDescriptor without entityID")
        spsso = ed.find(q("md", "SPSSODescriptor"))
        acss = [a for a in spsso.findall(q("md", "AssertionConsumerService")) if a.get("Binding") == BINDING_POST]
        if not acss:
            raise Failure(f"SP metadata {path}: no HTTP-POST AssertionConsumerService")
        default = [a for a in acss if a.get("isDefault") == "true"]

        def index(a):
            try:
                return int(a.get("index", "0"))
            except ValueError:
                return 0

        self.acs_url = (default or sorted(acss, key=index))[0].get("Location")
        self.acs_urls = [a.get("Location") for a in acss]
        self.enc_cert_b64 = None
        for kd in spsso.findall(q("md", "KeyDescriptor")):
            if kd.get("use") in (None, "encryption"):
                c = kd.find(f".//{q('ds', 'X509Certificate')}")
                if c is not None and c.text and c.text.strip():
                    self.enc_cert_b64 = "".join(c.text.split())
                    if kd.get("use") == "encryption":
                        break
        # For pysaml2's Server (`serve` parses AuthnRequests with it): the SP's entity and
        # endpoints, without its RequestedAttributes (the tests choose the attributes).
        for acs_el in list(spsso.findall(q("md", "AttributeConsumingService"))):
            spsso.remove(acs_el)
        self.metadata_for_pysaml2 = etree().tostring(ed, encoding="unicode")


# ---------------------------------------------------------------- the IdP (pysaml2)


class Idp:
    def __init__(self, dirpath: str, sp: SpInfo, sso_url: str | None = None):
        self.dir = os.path.abspath(dirpath)
        settings_path = os.path.join(self.dir, "idp.json")
        if not os.path.exists(settings_path):
            raise Failure(f"{self.dir} has no idp.json: run `idp.py init {dirpath}` first")
        with open(settings_path, encoding="utf-8") as f:
            s = json.load(f)
        self.entity_id = s["entity_id"]
        self.scope = s["scope"]
        self.sso_url = sso_url or s["sso_url"]
        self.key = os.path.join(self.dir, "idp.key")
        self.cert = os.path.join(self.dir, "idp.pem")
        self.other_key = os.path.join(self.dir, "other.key")
        self.other_cert = os.path.join(self.dir, "other.pem")
        for p in (self.key, self.cert, self.other_key, self.other_cert):
            if not os.path.exists(p):
                raise Failure(f"missing {p}: run `idp.py init {dirpath}` again")
        self.cert_b64 = b64_cert(self.cert)
        self.other_cert_b64 = b64_cert(self.other_cert)
        self.sp = sp
        self._server = None
        self._converters = None

    def server(self):
        """A pysaml2 Server for this IdP (only `serve` needs one: to parse AuthnRequests)."""
        if self._server is None:
            import warnings

            warnings.filterwarnings("ignore")  # pysaml2's import of deprecated cryptography modes
            from saml2.config import IdPConfig
            from saml2.server import Server

            conf = {
                "entityid": self.entity_id,
                "service": {
                    "idp": {
                        "endpoints": {"single_sign_on_service": [(self.sso_url, BINDING_REDIRECT)]},
                        "name_id_format": [NAMEID_FORMATS["transient"], NAMEID_FORMATS["persistent"]],
                    }
                },
                "key_file": self.key,
                "cert_file": self.cert,
                "metadata": {"inline": [self.sp.metadata_for_pysaml2]},
                "attribute_map_dir": os.path.join(HERE, "attributemaps"),
                "xmlsec_binary": XMLSEC1,
                "delete_tmpfiles": True,
            }
            self._server = Server(config=IdPConfig().load(conf))
        return self._server

    # -- building

    def default_attrs(self, user: str = "hanako") -> dict:
        s = self.scope
        return {
            "eduPersonPrincipalName": f"{user}@{s}",
            # No eduPersonTargetedID by default (an SP preferring it would then identify
            # people by it, not by the ePPN the tests look for). Ask for it with
            # --attrs '{"eduPersonTargetedID": "..."}': its standard SAML 2.0 form, a NameID
            # inside the AttributeValue.
            "eduPersonAffiliation": ["member", "student"],
            "eduPersonScopedAffiliation": [f"member@{s}", f"student@{s}"],
            "jaDisplayName": "山田 花子",
            "displayName": "Hanako Yamada",
            "jaOrganizationalUnitName": "工学部",
            "ou": "Faculty of Engineering",
            "mail": f"{user}@{s}",
        }

    def identity(self, attrs: dict) -> dict:
        ident = {}
        for name, value in attrs.items():
            if name not in ATTRIBUTES and name != "description":
                raise Failure(f"unknown attribute {name!r} (known: {', '.join(ATTRIBUTES)})")
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str) for v in values):
                raise Failure(f"attribute {name}: values must be strings or a list of strings")
            if not values:
                continue
            if name == "eduPersonTargetedID":
                values = [{"text": v, "NameQualifier": self.entity_id, "SPNameQualifier": self.sp.entity_id}
                          for v in values]
            ident[name] = values
        return ident

    def pysaml2_response(self, in_response_to, destination, attrs, name_id, name_id_format):
        """A real, unsigned Response built by pysaml2, as an lxml tree.

        pysaml2's own assertion builder (saml2.assertion.Assertion.construct, which
        saml2.server.Server.create_authn_response calls) and its samlp.Response, used
        directly: importing saml2.server costs ~0.45 s per process (it compiles the XML
        schemas), the rest ~0.1 s. Attributes go through pysaml2's attribute converters
        (attributemaps/gakunin_uri.py)."""
        import warnings

        warnings.filterwarnings("ignore")
        from saml2 import saml, samlp
        from saml2.assertion import Assertion, Policy
        from saml2.attribute_converter import ac_factory
        from saml2.s_utils import success_status_factory

        if self._converters is None:
            self._converters = ac_factory(os.path.join(HERE, "attributemaps"))
        policy = Policy(
            {"default": {"lifetime": {"minutes": 5}, "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}}
        )
        confirmation_data = {"recipient": destination}
        if in_response_to:
            confirmation_data["in_response_to"] = in_response_to
        farg = {"subject": {"subject_confirmation": {"method": saml.SCM_BEARER,
                                                     "subject_confirmation_data": confirmation_data}}}
        nid = saml.NameID(
            format=NAMEID_FORMATS[name_id_format],
            name_qualifier=self.entity_id,
            sp_name_qualifier=self.sp.entity_id,
            text=name_id,
        )

        def issuer():
            return saml.Issuer(text=self.entity_id, format=saml.NAMEID_FORMAT_ENTITY)

        ast = Assertion(self.identity(attrs))
        ast.acs = self._converters
        assertion = ast.construct(
            self.sp.entity_id,
            self._converters,
            policy,
            issuer=issuer(),
            farg=farg,
            authn_class=saml.AUTHN_PASSWORD_PROTECTED,
            name_id=nid,
        )
        resp = samlp.Response(
            id=new_id(),
            version="2.0",
            issue_instant=iso(utcnow()),
            destination=destination,
            issuer=issuer(),
            status=success_status_factory(),
            assertion=assertion,
        )
        if in_response_to:
            resp.in_response_to = in_response_to
        xml = resp.to_string(
            nspair={"saml2p": NS["saml2p"], "saml2": NS["saml2"], "xs": NS["xs"], "xsi": NS["xsi"], "ds": NS["ds"]}
        )
        root = etree().fromstring(xml, own_parser())
        # Shibboleth-like IDs; nothing refers to pysaml2's yet (nothing is signed).
        root.set("ID", new_id())
        for a in root.findall(q("saml2", "Assertion")):
            a.set("ID", new_id())
        return root

    def build(self, req: dict) -> bytes:
        """The XML of one response as REQ asks (keys of a batch item)."""
        variant = req.get("variant") or "good"
        if variant not in VARIANTS:
            raise Failure(f"unknown variant {variant!r} (see `idp.py variants`)")
        encrypt = bool(req.get("encrypt"))
        enc_alg = req.get("enc_alg") or "aes128-gcm"
        key_alg = req.get("key_alg") or "rsa-oaep-mgf1p"
        if enc_alg not in ENC_ALGS:
            raise Failure(f"unknown --enc-alg {enc_alg!r} (one of {', '.join(ENC_ALGS)})")
        if key_alg not in KEY_ALGS:
            raise Failure(f"unknown --key-alg {key_alg!r} (one of {', '.join(KEY_ALGS)})")
        if encrypt and (variant in XSW_VARIANTS or variant in DTD_VARIANTS):
            raise Failure(f"variant {variant} works on a plaintext assertion: drop --encrypt")
        if encrypt and not self.sp.enc_cert_b64:
            raise Failure("--encrypt: the SP metadata has no encryption certificate")
        in_response_to = req.get("in_response_to")
        if variant == "idp-initiated":
            in_response_to = None
        elif not in_response_to:
            raise Failure("--in-response-to is required (except for --variant idp-initiated)")
        name_id_format = req.get("name_id_format") or "transient"
        if name_id_format not in NAMEID_FORMATS:
            raise Failure(f"unknown --name-id-format {name_id_format!r} (one of {', '.join(NAMEID_FORMATS)})")
        name_id = req.get("name_id") or "_" + secrets.token_hex(16)
        attrs = req.get("attrs")
        if attrs is None:
            attrs = self.default_attrs()
        if not isinstance(attrs, dict):
            raise Failure("--attrs must be a JSON object")
        attrs = dict(attrs)
        destination = req.get("destination") or self.sp.acs_url

        sign = req.get("sign") or ("response" if encrypt else "both")
        if sign not in ("both", "response", "assertion", "none"):
            raise Failure(f"unknown --sign {sign!r}")
        # What each variant needs signed (the classic XSW attacks target one signature).
        sign = {
            "unsigned": "none",
            "xsw1": "response",
            "xsw2": "response",
            "duplicate-ids": "response",
            "status-error": "response",
        }.get(variant, "assertion" if variant in {"xsw3", "xsw4", "xsw5", "xsw6", "xsw7", "xsw8"} else sign)
        key, cert_b64 = (self.other_key, self.other_cert_b64) if variant == "wrong-key" else (self.key, self.cert_b64)
        alg = "sha1" if variant == "sha1" else "sha256"
        id_attrs = ID_ATTRS_RESPONSE_ONLY if variant == "duplicate-ids" else ID_ATTRS_SAML

        if variant == "comment-in-attribute" or variant in DTD_VARIANTS:
            attrs.setdefault("eduPersonPrincipalName", f"hanako@{self.scope}")
        if variant == "oversized":
            attrs["description"] = "x" * (1024 * 1024 + 64 * 1024)

        root = self.pysaml2_response(in_response_to, destination, attrs, name_id, name_id_format)
        now = utcnow()
        self.set_times(root, now)

        # ---- before signing: the signatures stay valid over these changes
        root = self.pre_sign(root, variant, now, in_response_to, destination, name_id, name_id_format)

        # ---- sign the assertion(s), encrypt, sign the response
        if sign in ("both", "assertion"):
            for i in range(len(root.findall(q("saml2", "Assertion")))):
                a = root.findall(q("saml2", "Assertion"))[i]
                root = sign_element(root, a, key, cert_b64, alg, id_attrs)
        if encrypt:
            root = self.encrypt_assertions(root, enc_alg, key_alg)
            if variant == "short-cipher-value":
                for data in root.iter(q("xenc", "EncryptedData")):
                    data.find(q("xenc", "CipherData")).find(q("xenc", "CipherValue")).text = (
                        base64.b64encode(b"\x00" * 8).decode("ascii")
                    )
        elif variant == "short-cipher-value":
            raise Failure("variant short-cipher-value needs --encrypt")
        if sign in ("both", "response"):
            root = sign_element(root, root, key, cert_b64, alg, id_attrs)

        # ---- after signing: break or wrap the signatures
        return self.post_sign(root, variant)

    @staticmethod
    def set_times(root, now, issue=None, not_before=None, not_on_or_after=None, scd_not_on_or_after=None):
        issue = issue or now
        not_before = not_before or now
        not_on_or_after = not_on_or_after or now + dt.timedelta(minutes=5)
        scd_not_on_or_after = scd_not_on_or_after or not_on_or_after
        root.set("IssueInstant", iso(issue))
        for a in root.iter(q("saml2", "Assertion")):
            a.set("IssueInstant", iso(issue))
        for c in root.iter(q("saml2", "Conditions")):
            c.set("NotBefore", iso(not_before))
            c.set("NotOnOrAfter", iso(not_on_or_after))
        for s in root.iter(q("saml2", "SubjectConfirmationData")):
            s.set("NotOnOrAfter", iso(scd_not_on_or_after))
        for s in root.iter(q("saml2", "AuthnStatement")):
            s.set("AuthnInstant", iso(issue))

    def eppn_values(self, el):
        return [
            v
            for attr in el.iter(q("saml2", "Attribute"))
            if attr.get("Name") == EPPN_OID
            for v in attr.findall(q("saml2", "AttributeValue"))
        ]

    def pre_sign(self, root, variant, now, in_response_to, destination, name_id, name_id_format):
        E = etree()
        assertion = root.find(q("saml2", "Assertion"))
        if variant == "comment-in-nameid":
            # The IdP signs the identifier admin@example.ac.jp.evil.test; a comment splits its
            # text. c14n drops comments, so the signature is valid; an SP that reads only the
            # first text node sees admin@example.ac.jp.
            nid = assertion.find(f"{q('saml2', 'Subject')}/{q('saml2', 'NameID')}")
            split_with_comment(nid, "admin@example.ac.jp", ".evil.test")
        elif variant == "comment-in-attribute":
            for v in self.eppn_values(assertion):
                split_with_comment(v, "admin@example.ac.jp", ".evil.test")
        elif variant == "wrong-audience":
            for a in assertion.iter(q("saml2", "Audience")):
                a.text = EVIL_SP
        elif variant == "no-audience":
            for ar in list(assertion.iter(q("saml2", "AudienceRestriction"))):
                ar.getparent().remove(ar)
        elif variant == "wrong-destination":
            root.set("Destination", EVIL_ACS)
        elif variant == "no-destination":
            del root.attrib["Destination"]
        elif variant == "wrong-recipient":
            for s in assertion.iter(q("saml2", "SubjectConfirmationData")):
                s.set("Recipient", EVIL_ACS)
        elif variant == "expired":
            self.set_times(
                root,
                now,
                issue=now - dt.timedelta(hours=1),
                not_before=now - dt.timedelta(hours=1),
                not_on_or_after=now - dt.timedelta(minutes=55),
            )
        elif variant == "not-yet-valid":
            self.set_times(
                root,
                now,
                not_before=now + dt.timedelta(hours=1),
                not_on_or_after=now + dt.timedelta(hours=1, minutes=5),
            )
        elif variant == "two-assertions":
            # A second real assertion from pysaml2, for another user.
            evil_attrs = self.default_attrs("evil")
            other = self.pysaml2_response(in_response_to, destination, evil_attrs, EVIL_USER, name_id_format)
            self.set_times(other, now)
            assertion.addnext(copy.deepcopy(other.find(q("saml2", "Assertion"))))
        elif variant == "duplicate-ids":
            assertion.set("ID", root.get("ID"))
        elif variant == "wrong-issuer":
            for i in root.iter(q("saml2", "Issuer")):
                i.text = OTHER_IDP
        elif variant == "status-error":
            root.remove(assertion)
            status = root.find(q("saml2p", "Status"))
            for c in list(status):
                status.remove(c)
            top = E.SubElement(status, q("saml2p", "StatusCode"))
            top.set("Value", "urn:oasis:names:tc:SAML:2.0:status:Responder")
            E.SubElement(top, q("saml2p", "StatusCode")).set("Value", "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed")
            E.SubElement(status, q("saml2p", "StatusMessage")).text = "Authentication failed (test IdP)"
        return root

    def post_sign(self, root, variant) -> bytes:
        if variant == "signature-stripped":
            for s in list(root.iter(q("ds", "Signature"))):
                s.getparent().remove(s)
        elif variant in XSW_VARIANTS:
            root = xsw(root, variant)
        if variant in DTD_VARIANTS:
            marker = "SESSHU-ENTITY-" + secrets.token_hex(8)
            values = self.eppn_values(root)
            if not values:
                raise Failure(f"{variant}: no ePPN value to put the entity in")
            values[0].text = marker
            xml = serialize(root).decode("utf-8")
            root_name = f"{root.prefix}:Response" if root.prefix else "Response"
            if variant == "dtd-entity":
                # The ePPN is hanako@&scope; : once expanded it is the signed value.
                doctype = f'<!DOCTYPE {root_name} [\n<!ENTITY scope "{self.scope}">\n]>\n'
                value = "hanako@&scope;"
            elif variant == "billion-laughs":
                ents = ['<!ENTITY lol0 "lol">'] + [
                    f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(1, 10)
                ]
                doctype = f"<!DOCTYPE {root_name} [\n" + "\n".join(ents) + "\n]>\n"
                value = "&lol9;"
            else:  # xxe
                doctype = f'<!DOCTYPE {root_name} [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
                value = "&xxe;"
            decl, rest = xml.split("\n", 1) if xml.startswith("<?xml") else ("", xml)
            return ((decl + "\n" if decl else "") + doctype + rest.replace(marker, value)).encode("utf-8")
        return serialize(root)

    def encrypt_assertions(self, root, enc_alg, key_alg):
        """Replaces each Assertion with <saml2:EncryptedAssertion><xenc:EncryptedData>: the
        assertion (serialized on its own, with every namespace it uses declared on it) is
        encrypted by xmlsec1 with a fresh AES key, the AES key with RSA-OAEP for the SP's
        certificate (EncryptedKey inside the EncryptedData's ds:KeyInfo, which declares
        xmlns:ds itself)."""
        E = etree()
        enc_uri, session_key = ENC_ALGS[enc_alg]
        key_uri = KEY_ALGS[key_alg]
        sp_pem = pem_from_b64(self.sp.enc_cert_b64).encode("ascii")
        for assertion in list(root.findall(q("saml2", "Assertion"))):
            plaintext = E.tostring(assertion, encoding="UTF-8", xml_declaration=False)
            if key_alg == "rsa-oaep":
                ea = E.Element(q("saml2", "EncryptedAssertion"))
                ea.append(E.fromstring(self.encrypt_with_cryptography(plaintext, enc_alg), own_parser()))
                assertion.addprevious(ea)
                root.remove(assertion)
                continue
            digest = (
                f'<ds:DigestMethod Algorithm="{SIG_ALGS["sha1"][1]}"/>' if key_alg == "rsa-oaep-mgf1p" else ""
            )
            template = f"""<?xml version="1.0" encoding="UTF-8"?>
<xenc:EncryptedData xmlns:xenc="{NS['xenc']}" Id="{new_id()}" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="{enc_uri}"/><ds:KeyInfo xmlns:ds="{NS['ds']}"><xenc:EncryptedKey Id="{new_id()}" Recipient="{html.escape(self.sp.entity_id, quote=True)}"><xenc:EncryptionMethod Algorithm="{key_uri}">{digest}</xenc:EncryptionMethod><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{self.sp.enc_cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>"""
            out = run_xmlsec(
                [
                    "--encrypt",
                    "--pubkey-cert-pem",
                    "{cert}",
                    "--session-key",
                    session_key,
                    "--binary-data",
                    "{plain}",
                ],
                template.encode("utf-8"),
                {"cert": sp_pem, "plain": plaintext},
            )
            ed = E.fromstring(out, own_parser())
            ea = E.Element(q("saml2", "EncryptedAssertion"))
            ea.append(ed)
            assertion.addprevious(ea)
            root.remove(assertion)
        # Reparse so that the tree is exactly what the bytes say, and check that each
        # EncryptedData's KeyInfo declares xmlns:ds itself (samael requires it).
        data = serialize(root)
        want = re.compile(
            rb'<xenc:EncryptedData\b[^>]*>\s*<xenc:EncryptionMethod\b[^>]*/>\s*<ds:KeyInfo xmlns:ds="'
            + NS["ds"].encode() + rb'"'
        )
        if len(want.findall(data)) != data.count(b"<xenc:EncryptedData"):
            raise Failure("internal: an EncryptedData's ds:KeyInfo does not declare xmlns:ds")
        return E.fromstring(data, own_parser())


    def encrypt_with_cryptography(self, plaintext: bytes, enc_alg: str) -> bytes:
        """An xenc:EncryptedData as encrypt_assertions makes it, for key transport
        xmlenc11#rsa-oaep with a SHA-256 digest and MGF1 with SHA-256 (Shibboleth IdP v4/v5's
        choice when an SP's metadata offers it), which xmlsec1 1.2 cannot make. The
        `cryptography` package does the same operations: AES-GCM (IV(12) || ciphertext ||
        tag(16)) with a fresh key, RSA-OAEP of that key for the SP's certificate."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        enc_uri, session_key = ENC_ALGS[enc_alg]
        if not enc_alg.endswith("-gcm"):
            raise Failure(f"--key-alg rsa-oaep is made for GCM content only, not {enc_alg}")
        key = AESGCM.generate_key(bit_length=int(session_key.split("-")[1]))
        iv = os.urandom(12)
        data = iv + AESGCM(key).encrypt(iv, plaintext, None)
        cert = x509.load_pem_x509_certificate(pem_from_b64(self.sp.enc_cert_b64).encode("ascii"))
        wrapped = cert.public_key().encrypt(
            key,
            padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
        )
        b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
        return f"""<xenc:EncryptedData xmlns:xenc="{NS['xenc']}" Id="{new_id()}" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="{enc_uri}"/><ds:KeyInfo xmlns:ds="{NS['ds']}"><xenc:EncryptedKey Id="{new_id()}" Recipient="{html.escape(self.sp.entity_id, quote=True)}"><xenc:EncryptionMethod Algorithm="{KEY_ALGS['rsa-oaep']}"><ds:DigestMethod Algorithm="{SIG_ALGS['sha256'][1]}"/><xenc11:MGF xmlns:xenc11="{XENC11}" Algorithm="{XENC11}mgf1sha256"/></xenc:EncryptionMethod><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{self.sp.enc_cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{b64(wrapped)}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{b64(data)}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>""".encode("utf-8")


def split_with_comment(el, before: str, after: str):
    """Sets EL's text to BEFORE<!---->AFTER (an empty comment between the two parts)."""
    E = etree()
    for c in list(el):
        el.remove(c)
    el.text = before
    comment = E.Comment("")
    comment.tail = after
    el.append(comment)


def evilize(el):
    """The forged identity: NameID and ePPN values of the subtree become EVIL_USER."""
    for nid in el.iter(q("saml2", "NameID")):
        if nid.getparent().tag == q("saml2", "Subject"):
            nid.text = EVIL_USER
    for attr in el.iter(q("saml2", "Attribute")):
        if attr.get("Name") in (EPPN_OID, ATTRIBUTES["mail"]):
            for v in attr.findall(q("saml2", "AttributeValue")):
                v.text = EVIL_USER


def direct_signature(el):
    return el.find(q("ds", "Signature"))


def without_signature(el):
    c = copy.deepcopy(el)
    s = direct_signature(c)
    if s is not None:
        c.remove(s)
    return c


def xsw(root, variant):
    """The eight XML Signature Wrapping attacks (Somorovsky et al., "On Breaking SAML: Be
    Whoever You Want to Be", USENIX Security 2012), as SAML Raider lays them out. The signed
    original stays in the document (so a signature check can still succeed on it) while a
    forged copy for EVIL_USER sits where a naive SP looks for the content."""
    E = etree()
    if variant in ("xsw1", "xsw2"):
        # Response signature only. The root Response becomes the evil one (new ID, forged
        # content); an unsigned copy of the original Response (its original ID, which the
        # Reference points at) is placed:
        #   xsw1: as the last child of the root's ds:Signature (enveloped in the signature);
        #   xsw2: as a sibling just before the root's ds:Signature (a detached signature).
        # The evil Response's Assertion gets a new ID too, so that no ID occurs twice.
        original = without_signature(root)
        sig = direct_signature(root)
        evilize(root)
        root.set("ID", "_evil_response_" + secrets.token_hex(8))
        for a in root.findall(q("saml2", "Assertion")):
            a.set("ID", "_evil_assertion_" + secrets.token_hex(8))
        if variant == "xsw1":
            sig.append(original)
        else:
            sig.addprevious(original)
        return root
    assertion = root.find(q("saml2", "Assertion"))
    if variant == "xsw3":
        # Assertion signature only. An unsigned evil copy (new ID) is inserted before the
        # signed original Assertion, so it is the first assertion of the Response.
        evil = without_signature(assertion)
        evilize(evil)
        evil.set("ID", "_evil_assertion_" + secrets.token_hex(8))
        assertion.addprevious(evil)
    elif variant == "xsw4":
        # An unsigned evil copy (new ID) takes the Assertion's place and wraps the signed
        # original, which becomes its last child.
        evil = without_signature(assertion)
        evilize(evil)
        evil.set("ID", "_evil_assertion_" + secrets.token_hex(8))
        assertion.addprevious(evil)
        evil.append(assertion)  # moves it
    elif variant == "xsw5":
        # The signed Assertion is altered in place (forged content, new ID, its signature
        # kept); an unsigned copy of the original (original ID) is appended at the end of
        # the Response, where the signature's Reference now finds it.
        original = without_signature(assertion)
        evilize(assertion)
        assertion.set("ID", "_evil_assertion_" + secrets.token_hex(8))
        root.append(original)
    elif variant == "xsw6":
        # Like xsw5, but the unsigned original copy goes inside the evil Assertion's own
        # ds:Signature element.
        original = without_signature(assertion)
        sig = direct_signature(assertion)
        evilize(assertion)
        assertion.set("ID", "_evil_assertion_" + secrets.token_hex(8))
        sig.append(original)
    elif variant == "xsw7":
        # An unsigned evil copy keeping the original ID, inside a saml2p:Extensions element
        # (whose content the schema leaves open) before the signed original Assertion.
        evil = without_signature(assertion)
        evilize(evil)
        ext = E.Element(q("saml2p", "Extensions"))
        ext.append(evil)
        issuer = root.find(q("saml2", "Issuer"))
        issuer.addnext(ext)
    elif variant == "xsw8":
        # The signed Assertion is altered in place (forged content, same ID); an unsigned
        # copy of the original goes into a ds:Object inside its ds:Signature.
        original = without_signature(assertion)
        sig = direct_signature(assertion)
        evilize(assertion)
        obj = E.SubElement(sig, q("ds", "Object"))
        obj.append(original)
    return root


# ---------------------------------------------------------------- response / batch


def parse_attrs(text):
    if text is None:
        return None
    try:
        attrs = json.loads(text)
    except json.JSONDecodeError as e:
        raise Failure(f"--attrs is not valid JSON: {e}")
    if not isinstance(attrs, dict):
        raise Failure("--attrs must be a JSON object")
    return attrs


def encode(xml: bytes) -> str:
    return base64.b64encode(xml).decode("ascii")


def cmd_response(args):
    idp = Idp(args.dir, SpInfo(args.sp_metadata))
    req = {
        "in_response_to": args.in_response_to,
        "variant": args.variant,
        "attrs": parse_attrs(args.attrs),
        "name_id": args.name_id,
        "name_id_format": args.name_id_format,
        "encrypt": args.encrypt,
        "enc_alg": args.enc_alg,
        "key_alg": args.key_alg,
        "sign": args.sign,
        "destination": args.destination,
    }
    xml = idp.build(req)
    if args.xml:
        sys.stdout.buffer.write(xml + (b"" if xml.endswith(b"\n") else b"\n"))
    else:
        print(encode(xml))


BATCH_KEYS = {"in_response_to", "variant", "attrs", "name_id", "name_id_format", "encrypt", "enc_alg",
              "key_alg", "sign", "destination"}


def cmd_batch(args):
    idp = Idp(args.dir, SpInfo(args.sp_metadata))
    try:
        with open(args.in_response_to_file, encoding="utf-8") as f:
            items = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise Failure(f"cannot read {args.in_response_to_file}: {e}")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Failure(f"{args.in_response_to_file}: expected a JSON list of objects")
    out = []
    for n, item in enumerate(items):
        unknown = set(item) - BATCH_KEYS
        if unknown:
            raise Failure(f"item {n}: unknown keys {sorted(unknown)} (known: {sorted(BATCH_KEYS)})")
        try:
            out.append(encode(idp.build(item)))
        except Failure as e:
            raise Failure(f"item {n}: {e}")
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


def cmd_variants(_args):
    for name, descr in VARIANTS.items():
        print(f"{name}\t{descr}")


# ---------------------------------------------------------------- serve


PAGE = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:28em;margin:3em auto}}label{{display:block;margin:.6em 0}}
.error{{color:#b00}}</style></head>
<body><h1>{title}</h1>
{body}
</body></html>
"""


def login_page(saml_request, relay_state, error=None, username=""):
    err = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    rs = (
        f'<input type="hidden" name="RelayState" value="{html.escape(relay_state, quote=True)}">'
        if relay_state is not None
        else ""
    )
    body = f"""<p>テスト IdP（Sesshu test IdP）: 学認アカウントでログイン / Log in with your institution account</p>
{err}<form method="post" action="/sso">
<input type="hidden" name="SAMLRequest" value="{html.escape(saml_request, quote=True)}">{rs}
<label>ユーザー名 / Username <input type="text" name="username" autocomplete="username" value="{html.escape(username, quote=True)}"></label>
<label>パスワード / Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Log in</button>
</form>"""
    return PAGE.format(title="ログイン / Log in", body=body)


def post_page(acs, saml_response, relay_state, auto_submit):
    rs = (
        f'<input type="hidden" name="RelayState" value="{html.escape(relay_state, quote=True)}">'
        if relay_state is not None
        else ""
    )
    script = "<script>document.forms[0].submit();</script>" if auto_submit else ""
    body = f"""<p>サービスに戻ります / Returning to the service</p>
<form method="post" action="{html.escape(acs, quote=True)}">
<input type="hidden" name="SAMLResponse" value="{html.escape(saml_response, quote=True)}">{rs}
<button type="submit">Continue</button>
</form>{script}"""
    return PAGE.format(title="Continue", body=body)


def cmd_serve(args):
    from http.server import BaseHTTPRequestHandler, HTTPServer

    d = os.path.abspath(args.dir)
    sp = SpInfo(args.sp_metadata)
    settings_path = os.path.join(d, "idp.json")
    if not os.path.exists(settings_path):
        raise Failure(f"{d} has no idp.json: run `idp.py init {args.dir}` first")
    with open(settings_path, encoding="utf-8") as f:
        sso_from_metadata = json.load(f)["sso_url"]
    port = args.port
    if port is None:
        port = urllib.parse.urlparse(sso_from_metadata).port or 80
    sso_url = f"http://127.0.0.1:{port}/sso"
    if sso_url != sso_from_metadata:
        print(f"idp.py: warning: serving {sso_url} but idp-metadata.xml says {sso_from_metadata}",
              file=sys.stderr)
    idp = Idp(d, sp, sso_url=sso_url)
    idp.server()  # load pysaml2 now, not on the first request
    attrs = parse_attrs(args.attrs)
    from saml2 import BINDING_HTTP_REDIRECT, BINDING_HTTP_POST as PYSAML2_POST

    class Handler(BaseHTTPRequestHandler):
        server_version = "SesshuTestIdP/1"

        def log_message(self, fmt, *a):
            sys.stderr.write("idp.py serve: %s %s\n" % (self.address_string(), fmt % a))

        def send(self, status, body, ctype="text/html; charset=utf-8"):
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def parse_request_message(self, saml_request, relay_state):
            """(AuthnRequest, ACS URL) or raises Failure."""
            try:
                parsed = idp.server().parse_authn_request(saml_request, BINDING_HTTP_REDIRECT)
            except Exception as e:
                raise Failure(f"bad SAMLRequest: {type(e).__name__}: {e}")
            msg = parsed.message
            issuer = msg.issuer.text if msg.issuer is not None else None
            if issuer != sp.entity_id:
                raise Failure(f"AuthnRequest from unknown SP {issuer!r} (expected {sp.entity_id})")
            acs = msg.assertion_consumer_service_url
            if acs and acs not in sp.acs_urls:
                raise Failure(f"AssertionConsumerServiceURL {acs} is not in the SP metadata")
            try:
                info = idp.server().response_args(msg, [PYSAML2_POST])
                acs = info["destination"]
            except Exception:
                acs = acs or sp.acs_url
            return msg, acs

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            qs = urllib.parse.parse_qs(url.query)
            if url.path == "/metadata":
                with open(os.path.join(d, "idp-metadata.xml"), "rb") as f:
                    return self.send(200, f.read(), "application/samlmetadata+xml")
            if url.path != "/sso":
                return self.send(404, PAGE.format(title="Not found", body="<p>Not found</p>"))
            saml_request = (qs.get("SAMLRequest") or [None])[0]
            relay_state = (qs.get("RelayState") or [None])[0]
            if not saml_request:
                return self.send(400, PAGE.format(title="Bad request", body="<p>SAMLRequest missing</p>"))
            try:
                msg, _acs = self.parse_request_message(saml_request, relay_state)
            except Failure as e:
                return self.send(400, PAGE.format(title="Bad request", body=f"<p>{html.escape(str(e))}</p>"))
            sys.stderr.write(f"idp.py serve: AuthnRequest {msg.id} from {sp.entity_id}\n")
            self.send(200, login_page(saml_request, relay_state))

        def do_POST(self):
            url = urllib.parse.urlparse(self.path)
            if url.path != "/sso":
                return self.send(404, PAGE.format(title="Not found", body="<p>Not found</p>"))
            length = int(self.headers.get("Content-Length") or 0)
            if length > 1024 * 1024:
                return self.send(413, PAGE.format(title="Too large", body="<p>Too large</p>"))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8", "replace"),
                                         keep_blank_values=True)
            get = lambda k: (form.get(k) or [None])[0]  # noqa: E731
            saml_request, relay_state = get("SAMLRequest"), get("RelayState")
            if not saml_request:
                return self.send(400, PAGE.format(title="Bad request", body="<p>SAMLRequest missing</p>"))
            try:
                msg, acs = self.parse_request_message(saml_request, relay_state)
            except Failure as e:
                return self.send(400, PAGE.format(title="Bad request", body=f"<p>{html.escape(str(e))}</p>"))
            username, password = get("username") or "", get("password") or ""
            if not (secrets.compare_digest(username.encode(), args.login.encode())
                    and secrets.compare_digest(password.encode(), args.password.encode())):
                sys.stderr.write(f"idp.py serve: wrong credentials for {username!r}\n")
                return self.send(200, login_page(saml_request, relay_state,
                                                 "ユーザー名またはパスワードが違います / Wrong username or password",
                                                 username))
            user_attrs = attrs if attrs is not None else idp.default_attrs(args.login)
            try:
                xml = idp.build({
                    "in_response_to": msg.id,
                    "variant": args.variant,
                    "attrs": user_attrs,
                    "name_id": args.name_id,
                    "name_id_format": args.name_id_format,
                    "encrypt": args.encrypt,
                    "enc_alg": args.enc_alg,
                    "destination": acs,
                })
            except Failure as e:
                return self.send(500, PAGE.format(title="Error", body=f"<p>{html.escape(str(e))}</p>"))
            sys.stderr.write(f"idp.py serve: Response to {msg.id} for {username} -> {acs}\n")
            self.send(200, post_page(acs, encode(xml), relay_state, args.auto_submit))

    class Server(HTTPServer):
        allow_reuse_address = True

    httpd = Server(("127.0.0.1", port), Handler)
    pid_path = os.path.join(d, "idp.pid")
    write_bytes(pid_path, f"{os.getpid()}\n".encode())

    def stop(signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    try:
        httpd.serve_forever()
    finally:
        httpd.server_close()
        try:
            with open(pid_path) as f:
                if f.read().strip() == str(os.getpid()):
                    os.unlink(pid_path)
        except FileNotFoundError:
            pass


# ---------------------------------------------------------------- CLI


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(1)


def main(argv=None):
    p = Parser(prog="idp.py", description="Test SAML 2.0 IdP (pysaml2 + xmlsec1) for Sesshu's SP tests.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=Parser)

    s = sub.add_parser("init", help="keys, IdP metadata and signed federation metadata in DIR")
    s.add_argument("dir")
    s.add_argument("--entity-id", default="https://idp.test.example/idp/shibboleth")
    s.add_argument("--scope", default="example.ac.jp")
    s.add_argument("--sso-url", default="http://127.0.0.1:8081/sso")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("sp", help="a test SP key, certificate and metadata in DIR")
    s.add_argument("dir")
    s.add_argument("--entity-id", default="http://127.0.0.1:8080/saml/metadata")
    s.add_argument("--acs-url", default="http://127.0.0.1:8080/saml/acs")
    s.set_defaults(func=cmd_sp)

    def response_opts(s, batch=False):
        s.add_argument("dir")
        s.add_argument("--sp-metadata", required=True, metavar="FILE")
        if batch:
            s.add_argument("--in-response-to-file", required=True, metavar="FILE.json")
            return
        s.add_argument("--in-response-to", metavar="ID")
        s.add_argument("--attrs", metavar="JSON")
        s.add_argument("--name-id", metavar="VALUE")
        s.add_argument("--name-id-format", default="transient", choices=sorted(NAMEID_FORMATS))
        s.add_argument("--variant", default="good", choices=list(VARIANTS), metavar="NAME")
        s.add_argument("--sign", choices=["both", "response", "assertion", "none"],
                       help="what to sign (default: both; response with --encrypt)")
        s.add_argument("--encrypt", action="store_true")
        s.add_argument("--enc-alg", default="aes128-gcm", choices=list(ENC_ALGS))
        s.add_argument("--key-alg", default="rsa-oaep-mgf1p", choices=list(KEY_ALGS))
        s.add_argument("--destination", metavar="URL", help="ACS URL (default: the SP metadata's)")
        s.add_argument("--xml", action="store_true", help="print the XML instead of base64")

    s = sub.add_parser("response", help="print a base64 SAMLResponse (HTTP-POST binding)")
    response_opts(s)
    s.set_defaults(func=cmd_response)

    s = sub.add_parser("batch", help="many responses in one process: JSON list in, JSON list out")
    response_opts(s, batch=True)
    s.set_defaults(func=cmd_batch)

    s = sub.add_parser("serve", help="HTTP IdP on 127.0.0.1 for browser tests")
    s.add_argument("dir")
    s.add_argument("--sp-metadata", required=True, metavar="FILE")
    s.add_argument("--port", type=int, help="default: the port of the SSO URL given to init")
    s.add_argument("--attrs", metavar="JSON")
    s.add_argument("--login", default="hanako")
    s.add_argument("--password", default="secret")
    s.add_argument("--name-id", metavar="VALUE")
    s.add_argument("--name-id-format", default="transient", choices=sorted(NAMEID_FORMATS))
    s.add_argument("--variant", default="good", choices=[v for v in VARIANTS if v != "idp-initiated"],
                   metavar="NAME")
    s.add_argument("--encrypt", action="store_true")
    s.add_argument("--enc-alg", default="aes128-gcm", choices=list(ENC_ALGS))
    s.add_argument("--auto-submit", action="store_true",
                   help="add a script that submits the Continue form by itself")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("variants", help="list the response variants")
    s.set_defaults(func=cmd_variants)

    args = p.parse_args(argv)
    try:
        args.func(args)
    except Failure as e:
        print(f"idp.py: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 1
    except Exception as e:  # an unexpected failure is still an error exit, with its trace
        import traceback

        traceback.print_exc()
        print(f"idp.py: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        cleanup_tmpdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
