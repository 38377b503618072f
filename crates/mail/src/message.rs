//! The MIME message: From, Reply-To, To, Subject, Date, a Message-ID that
//! stays the same on every try of a job, and multipart/alternative text
//! and HTML, with the calendar file attached when there is one. The HTML
//! shows the check-in code from a multipart/related part beside it:
//!
//! ```text
//! multipart/mixed
//! ├── multipart/alternative
//! │   ├── text/plain
//! │   └── multipart/related
//! │       ├── text/html          <img src="cid:check-in-code@sesshu">
//! │       └── image/png          Content-ID: <check-in-code@sesshu>, inline
//! └── text/calendar              reservation.ics
//! ```

use crate::compose::QR_CONTENT_ID;
use crate::{MailError, Rendered};
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use sesshu_domain::MailAddress;

/// Who a mail is from and to. `Debug` leaves the recipient out.
#[derive(Clone)]
pub struct Envelope {
    pub from: MailAddress,
    /// Shown with the sender's address (the institution's name).
    pub from_name: String,
    /// Where replies go (the institution's contact), if it has a valid one.
    pub reply_to: Option<MailAddress>,
    pub to: MailAddress,
    /// `<sesshu-mail-{job}@{domain}>`: the same on every try.
    pub message_id: String,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("from", &self.from)
            .field("from_name", &self.from_name)
            .field("reply_to", &self.reply_to)
            .field("to", &"..")
            .field("message_id", &self.message_id)
            .finish()
    }
}

/// A text safe for a header: no control characters (CR and LF would start
/// a header of their own), runs of white space as one space.
pub fn header_text(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn mailbox(name: Option<&str>, address: &MailAddress) -> Result<Mailbox, MailError> {
    let address = address
        .as_str()
        .parse()
        .map_err(|_| MailError::Message("an address is not valid".into()))?;
    Ok(Mailbox::new(name.map(header_text), address))
}

/// The message of `rendered` for `envelope`, dated `date`.
pub fn build(
    rendered: &Rendered,
    envelope: &Envelope,
    date: DateTime<Utc>,
) -> Result<Message, MailError> {
    let mut builder = Message::builder()
        .from(mailbox(Some(&envelope.from_name), &envelope.from)?)
        .to(mailbox(None, &envelope.to)?)
        .subject(header_text(&rendered.subject))
        .message_id(Some(header_text(&envelope.message_id)))
        .date(date.into());
    if let Some(reply_to) = &envelope.reply_to {
        builder = builder.reply_to(mailbox(None, reply_to)?);
    }
    let alternative = match &rendered.qr_png {
        Some(png) => {
            let image = Attachment::new_inline_with_name(
                QR_CONTENT_ID.to_owned(),
                "check-in-code.png".to_owned(),
            )
            .body(
                png.clone(),
                ContentType::parse("image/png").map_err(message)?,
            );
            MultiPart::alternative()
                .singlepart(SinglePart::plain(rendered.text.clone()))
                .multipart(
                    MultiPart::related()
                        .singlepart(SinglePart::html(rendered.html.clone()))
                        .singlepart(image),
                )
        }
        None => MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone()),
    };
    let body = match &rendered.ics {
        Some(ics) => {
            let calendar = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                .map_err(message)?;
            MultiPart::mixed()
                .multipart(alternative)
                .singlepart(Attachment::new("reservation.ics".into()).body(ics.clone(), calendar))
        }
        None => alternative,
    };
    builder
        .multipart(body)
        .map_err(|e| MailError::Message(e.to_string()))
}

fn message(e: impl std::fmt::Display) -> MailError {
    MailError::Message(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::{Letter, render};
    use mail_parser::MimeHeaders;
    use sesshu_domain::{Language, MailKind};

    fn envelope(from_name: &str) -> Envelope {
        Envelope {
            from: MailAddress::parse("noreply@aoba.example.ac.jp").unwrap(),
            from_name: from_name.into(),
            reply_to: Some(MailAddress::parse("vaccine@aoba.example.ac.jp").unwrap()),
            to: MailAddress::parse("hanako@example.ac.jp").unwrap(),
            message_id: "<sesshu-mail-42@vaccine.example.ac.jp>".into(),
        }
    }

    fn rendered() -> Rendered {
        let institution = crate::compose::tests::institution();
        let letter: Letter<'_> =
            crate::compose::tests::letter(&institution, MailKind::Booked, Language::Ja);
        render(&letter).unwrap()
    }

    #[test]
    fn a_mail_has_its_id_both_parts_and_the_calendar() {
        let message = build(
            &rendered(),
            &envelope("青葉大学"),
            DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
        )
        .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .unwrap();
        assert_eq!(
            parsed.message_id(),
            Some("sesshu-mail-42@vaccine.example.ac.jp")
        );
        assert!(parsed.subject().unwrap().contains("予約を受け付けました"));
        assert!(parsed.body_text(0).unwrap().contains("KX7M-4QP9"));
        assert!(parsed.body_html(0).unwrap().contains("KX7M-4QP9"));
        // The calendar file, and the check-in code shown inline.
        assert_eq!(parsed.attachment_count(), 2);
        assert!(raw.contains("text/calendar"), "{raw}");
        assert!(
            raw.contains("Reply-To: vaccine@aoba.example.ac.jp"),
            "{raw}"
        );
    }

    #[test]
    fn the_html_shows_the_check_in_code_from_its_related_part() {
        let message = build(
            &rendered(),
            &envelope("青葉大学"),
            DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
        )
        .unwrap();
        let raw = message.formatted();
        let parsed = mail_parser::MessageParser::default()
            .parse(&raw[..])
            .unwrap();
        let html = parsed.body_html(0).unwrap();
        assert!(
            html.contains(&format!(r#"<img src="cid:{QR_CONTENT_ID}""#)),
            "{html}"
        );
        let image = parsed
            .parts
            .iter()
            .find(|p| p.content_id() == Some(QR_CONTENT_ID))
            .expect("a part with the code's Content-ID");
        assert!(image.is_content_type("image", "png"));
        assert_eq!(
            image.content_disposition().map(|d| d.ctype()),
            Some("inline")
        );
        assert_eq!(
            sesshu_qr::decode_png(image.contents()).as_deref(),
            Some(crate::compose::tests::token().as_str()),
            "the code reads as the series' token"
        );
        // The image sits beside the HTML in a multipart/related part, in
        // the alternative to the text.
        let related = parsed
            .parts
            .iter()
            .find(|p| p.is_content_type("multipart", "related"))
            .expect("a multipart/related part");
        let mail_parser::PartType::Multipart(children) = &related.body else {
            panic!("related is a multipart");
        };
        let kinds: Vec<_> = children
            .iter()
            .map(|&i| {
                let ct = parsed.parts[i as usize].content_type().unwrap();
                format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default())
            })
            .collect();
        assert_eq!(kinds, ["text/html", "image/png"]);
        assert!(parsed.body_text(0).unwrap().contains("QRコード"));
        assert!(
            !String::from_utf8_lossy(&raw).contains(crate::compose::tests::token().as_str()),
            "the token is in the image only"
        );

        let mut plain = rendered();
        plain.qr_png = None;
        let message = build(
            &plain,
            &envelope("青葉大学"),
            DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
        )
        .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(!raw.contains("multipart/related") && !raw.contains("image/png"));
    }

    #[test]
    fn no_header_can_be_injected_through_a_name_or_subject() {
        let mut bad = rendered();
        bad.subject = "予約\r\nBcc: everyone@example.com".into();
        let mut envelope = envelope("Aoba\r\nBcc: all@example.com\u{7f}\0");
        envelope.message_id = "<x@example.ac.jp>\nBcc: id@example.com".into();
        let message = build(
            &bad,
            &envelope,
            DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
        )
        .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        let headers = raw.split("\r\n\r\n").next().unwrap();
        assert!(
            !headers
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{headers}"
        );
        assert!(message.envelope().to().len() == 1, "one recipient only");
        assert!(
            !headers.contains('\0') && !headers.contains('\u{7f}'),
            "{headers}"
        );
        for bad in ["hanako@example.ac.jp\r\nBcc: x@example.com", "a@b\nc"] {
            assert!(MailAddress::parse(bad).is_err(), "{bad:?}");
        }
        assert!(!format!("{envelope:?}").contains("hanako"), "{envelope:?}");
    }
}
