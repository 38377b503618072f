"""pysaml2 attribute map for the GakuNin attributes that scripts/saml/idp.py releases.

Loaded by pysaml2 through the IdP configuration's attribute_map_dir (this folder): every
attribute goes out with its OID as Name, NameFormat ...:attrname-format:uri and the
friendly name as FriendlyName, as a GakuNin Shibboleth IdP sends them.
"""

NAME_FORMAT_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"

EDUPERSON = "urn:oid:1.3.6.1.4.1.5923.1.1.1."
GAKUNIN = "urn:oid:1.3.6.1.4.1.32264.1.1."

MAP = {
    "identifier": NAME_FORMAT_URI,
    "fro": {
        EDUPERSON + "6": "eduPersonPrincipalName",
        EDUPERSON + "10": "eduPersonTargetedID",
        EDUPERSON + "1": "eduPersonAffiliation",
        EDUPERSON + "9": "eduPersonScopedAffiliation",
        GAKUNIN + "3": "jaDisplayName",
        "urn:oid:2.16.840.1.113730.3.1.241": "displayName",
        GAKUNIN + "5": "jaOrganizationalUnitName",
        "urn:oid:2.5.4.11": "ou",
        "urn:oid:0.9.2342.19200300.100.1.3": "mail",
        # Not a GakuNin attribute: only the "oversized" variant's padding uses it.
        "urn:oid:2.5.4.13": "description",
    },
    "to": {
        "eduPersonPrincipalName": EDUPERSON + "6",
        "eduPersonTargetedID": EDUPERSON + "10",
        "eduPersonAffiliation": EDUPERSON + "1",
        "eduPersonScopedAffiliation": EDUPERSON + "9",
        "jaDisplayName": GAKUNIN + "3",
        "displayName": "urn:oid:2.16.840.1.113730.3.1.241",
        "jaOrganizationalUnitName": GAKUNIN + "5",
        "ou": "urn:oid:2.5.4.11",
        "mail": "urn:oid:0.9.2342.19200300.100.1.3",
        "description": "urn:oid:2.5.4.13",
    },
}
