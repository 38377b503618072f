use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde::Deserialize;
use std::fmt::Debug;
use std::io::Cursor;

const ATTRIBUTE_VALUE_NAME: &str = "saml2:AttributeValue";

#[derive(Clone, Debug, Deserialize, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct AttributeValue {
    #[serde(rename = "@xsi:type")]
    #[serde(alias = "@type")]
    pub attribute_type: Option<String>,
    // SESSHU PATCH (vendor/samael/SESSHU-PATCHES.md): the text only (`$text`, was `$value`,
    // which failed on any child element), and a `saml2:NameID` child read on its own: the
    // SAML 2.0 form of eduPersonTargetedID (OID 1.3.6.1.4.1.5923.1.1.1.10). Other child
    // elements are ignored.
    #[serde(rename = "$text")]
    pub value: Option<String>,
    #[serde(rename = "NameID")]
    pub name_id: Option<AttributeValueNameID>,
}

// SESSHU PATCH: a `saml2:NameID` inside an `AttributeValue` (eduPersonTargetedID).
const ATTRIBUTE_VALUE_NAME_ID_NAME: &str = "saml2:NameID";

/// A `saml2:NameID` that is the value of an attribute, as eduPersonTargetedID is released
/// in SAML 2.0: `<AttributeValue><NameID Format="…persistent" NameQualifier="IdP"
/// SPNameQualifier="SP">opaque</NameID></AttributeValue>`.
#[derive(Clone, Debug, Default, Deserialize, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct AttributeValueNameID {
    #[serde(rename = "@Format")]
    pub format: Option<String>,
    #[serde(rename = "@NameQualifier")]
    pub name_qualifier: Option<String>,
    #[serde(rename = "@SPNameQualifier")]
    pub sp_name_qualifier: Option<String>,
    #[serde(rename = "$text", default)]
    pub value: String,
}

impl TryFrom<&AttributeValueNameID> for Event<'_> {
    type Error = Box<dyn std::error::Error>;

    fn try_from(value: &AttributeValueNameID) -> Result<Self, Self::Error> {
        let mut write_buf = Vec::new();
        let mut writer = Writer::new(Cursor::new(&mut write_buf));
        let mut root = BytesStart::new(ATTRIBUTE_VALUE_NAME_ID_NAME);
        if let Some(format) = &value.format {
            root.push_attribute(("Format", format.as_ref()));
        }
        if let Some(qualifier) = &value.name_qualifier {
            root.push_attribute(("NameQualifier", qualifier.as_ref()));
        }
        if let Some(qualifier) = &value.sp_name_qualifier {
            root.push_attribute(("SPNameQualifier", qualifier.as_ref()));
        }
        writer.write_event(Event::Start(root))?;
        writer.write_event(Event::Text(BytesText::new(&value.value)))?;
        writer.write_event(Event::End(BytesEnd::new(ATTRIBUTE_VALUE_NAME_ID_NAME)))?;
        Ok(Event::Text(BytesText::from_escaped(String::from_utf8(
            write_buf,
        )?)))
    }
}

impl AttributeValue {
    fn schema() -> Vec<(&'static str, &'static str)> {
        vec![
            ("xmlns:xs", "http://www.w3.org/2001/XMLSchema"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
        ]
    }
}

impl TryFrom<AttributeValue> for Event<'_> {
    type Error = Box<dyn std::error::Error>;

    fn try_from(value: AttributeValue) -> Result<Self, Self::Error> {
        (&value).try_into()
    }
}

impl TryFrom<&AttributeValue> for Event<'_> {
    type Error = Box<dyn std::error::Error>;

    fn try_from(value: &AttributeValue) -> Result<Self, Self::Error> {
        let mut write_buf = Vec::new();
        let mut writer = Writer::new(Cursor::new(&mut write_buf));
        let mut root = BytesStart::new(ATTRIBUTE_VALUE_NAME);

        for attr in AttributeValue::schema() {
            root.push_attribute(attr);
        }

        if let Some(typ) = &value.attribute_type {
            root.push_attribute(("xsi:type", typ.as_ref()));
        }

        writer.write_event(Event::Start(root))?;

        if let Some(value) = &value.value {
            writer.write_event(Event::Text(BytesText::from_escaped(value)))?;
        }

        if let Some(name_id) = &value.name_id {
            let event: Event<'_> = name_id.try_into()?;
            writer.write_event(event)?;
        }

        writer.write_event(Event::End(BytesEnd::new(ATTRIBUTE_VALUE_NAME)))?;
        Ok(Event::Text(BytesText::from_escaped(String::from_utf8(
            write_buf,
        )?)))
    }
}

#[derive(Clone, Debug, Deserialize, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Attribute {
    #[serde(rename = "@FriendlyName")]
    pub friendly_name: Option<String>,
    #[serde(rename = "@Name")]
    pub name: Option<String>,
    #[serde(rename = "@NameFormat")]
    pub name_format: Option<String>,
    #[serde(rename = "AttributeValue", default)]
    pub values: Vec<AttributeValue>,
}

impl Attribute {
    fn name() -> &'static str {
        "saml2:Attribute"
    }
}

impl TryFrom<Attribute> for Event<'_> {
    type Error = Box<dyn std::error::Error>;

    fn try_from(value: Attribute) -> Result<Self, Self::Error> {
        (&value).try_into()
    }
}

impl TryFrom<&Attribute> for Event<'_> {
    type Error = Box<dyn std::error::Error>;

    fn try_from(value: &Attribute) -> Result<Self, Self::Error> {
        let mut write_buf = Vec::new();
        let mut writer = Writer::new(Cursor::new(&mut write_buf));
        let mut root = BytesStart::new(Attribute::name());

        if let Some(name) = &value.name {
            root.push_attribute(("Name", name.as_ref()));
        }

        if let Some(format) = &value.name_format {
            root.push_attribute(("NameFormat", format.as_ref()));
        }

        if let Some(name) = &value.friendly_name {
            root.push_attribute(("FriendlyName", name.as_ref()));
        }

        writer.write_event(Event::Start(root))?;

        for val in &value.values {
            let event: Event<'_> = val.try_into()?;
            writer.write_event(event)?;
        }

        writer.write_event(Event::End(BytesEnd::new(Attribute::name())))?;
        Ok(Event::Text(BytesText::from_escaped(String::from_utf8(
            write_buf,
        )?)))
    }
}
