//! The vaccination voucher (接種券) a municipality sends each resident, as a
//! person gives it to Sesshu: the 18 digits of its OCR line (also what its
//! QR code holds), or the municipality code and the voucher number typed
//! apart.
//!
//! The OCR line is the ticket type (1 digit), the dose (1 digit), the
//! municipality code (6 digits, JIS X 0401, the last a check digit) and the
//! voucher number (10 digits). A voucher is personal data: it is sealed like
//! the rest and never logged; this module only checks its shape.

use crate::{DoseNumber, Language};
use std::fmt;

/// A municipality (市区町村) by its six-digit local government code, whose
/// last digit checks the first five.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MunicipalityCode([u8; 6]);

/// A voucher as checked: which dose it is for, whose municipality, its number.
#[derive(Clone, PartialEq, Eq)]
pub struct Voucher {
    /// The ticket type digit of the OCR line; unknown when the code and the
    /// number were typed apart.
    ticket_type: Option<u8>,
    dose: DoseNumber,
    municipality: MunicipalityCode,
    number: [u8; 10],
}

/// Why what a person gave is not a voucher. Says where, never echoes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VoucherError {
    #[error("only digits, spaces and hyphens are allowed")]
    NotDigits,
    #[error("{found} digits where {expected} are needed")]
    Length { expected: usize, found: usize },
    #[error("the municipality code's check digit does not match")]
    CheckDigit,
    #[error("the voucher is for dose {voucher}, not dose {booked}")]
    WrongDose { voucher: u8, booked: u8 },
}

impl VoucherError {
    /// What the form says, in `lang`.
    pub fn message(self, lang: Language) -> String {
        match (self, lang) {
            (Self::NotDigits, Language::Ja) => {
                "数字のみで入力してください（空白とハイフンは無視されます）。".to_owned()
            }
            (Self::NotDigits, Language::En) => {
                "Please enter digits only (spaces and hyphens are ignored).".to_owned()
            }
            (Self::Length { expected, found }, Language::Ja) => {
                format!("{expected}桁で入力してください（{found}桁が入力されました）。")
            }
            (Self::Length { expected, found }, Language::En) => {
                format!("Please enter {expected} digits ({found} were entered).")
            }
            (Self::CheckDigit, Language::Ja) => {
                "市区町村コードが正しくありません。接種券の記載をもう一度ご確認ください。"
                    .to_owned()
            }
            (Self::CheckDigit, Language::En) => {
                "The municipality code is not valid. Please check it against your voucher."
                    .to_owned()
            }
            (Self::WrongDose { voucher, booked }, Language::Ja) => {
                format!(
                    "この接種券は{voucher}回目用です。{booked}回目用の接種券を入力してください。"
                )
            }
            (Self::WrongDose { voucher, booked }, Language::En) => format!(
                "This voucher is for dose {voucher}. Please enter the voucher for dose {booked}."
            ),
        }
    }
}

/// The digits of `text` once spaces and hyphens (half- or full-width, as a
/// phone keyboard types them) are removed; full-width digits count.
fn digits<const N: usize>(text: &str) -> Result<[u8; N], VoucherError> {
    let mut found = Vec::with_capacity(N);
    for c in text.chars() {
        match c {
            '0'..='9' => found.push(c as u8 - b'0'),
            '０'..='９' => found.push((c as u32 - '０' as u32) as u8),
            ' ' | '\u{3000}' | '\t' | '-' | '‐' | '－' | 'ー' | '―' => {}
            _ => return Err(VoucherError::NotDigits),
        }
    }
    found
        .try_into()
        .map_err(|found: Vec<u8>| VoucherError::Length {
            expected: N,
            found: found.len(),
        })
}

impl MunicipalityCode {
    /// The code in `text`, if its check digit is right: the first five
    /// digits weighted 6-5-4-3-2, summed, and the ones digit of 11 minus the
    /// sum's remainder modulo 11.
    pub fn parse(text: &str) -> Result<Self, VoucherError> {
        let d: [u8; 6] = digits(text)?;
        let sum: u32 = d[..5]
            .iter()
            .zip([6, 5, 4, 3, 2])
            .map(|(digit, weight)| u32::from(*digit) * weight)
            .sum();
        let check = ((11 - sum % 11) % 10) as u8;
        if check == d[5] {
            Ok(Self(d))
        } else {
            Err(VoucherError::CheckDigit)
        }
    }

    /// The prefecture's two digits (`04` Miyagi, `13` Tokyo).
    pub fn prefecture(self) -> u8 {
        self.0[0] * 10 + self.0[1]
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|d| write!(f, "{d}"))
    }
}

impl fmt::Debug for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MunicipalityCode({self})")
    }
}

impl Voucher {
    /// The voucher of an OCR line (typed, or read from its QR code), for
    /// the dose `booked`.
    pub fn from_ocr_line(text: &str, booked: DoseNumber) -> Result<Self, VoucherError> {
        let d: [u8; 18] = digits(text)?;
        let code: String = d[2..8].iter().map(|d| char::from(b'0' + d)).collect();
        let municipality = MunicipalityCode::parse(&code)?;
        if d[1] != booked.get() {
            return Err(VoucherError::WrongDose {
                voucher: d[1],
                booked: booked.get(),
            });
        }
        let mut number = [0; 10];
        number.copy_from_slice(&d[8..]);
        Ok(Self {
            ticket_type: Some(d[0]),
            dose: booked,
            municipality,
            number,
        })
    }

    /// The voucher of a municipality code and a voucher number typed apart,
    /// for the dose `booked`.
    pub fn from_parts(
        municipality: &str,
        number: &str,
        booked: DoseNumber,
    ) -> Result<Self, VoucherError> {
        Ok(Self {
            ticket_type: None,
            dose: booked,
            municipality: MunicipalityCode::parse(municipality)?,
            number: digits(number)?,
        })
    }

    pub fn dose(&self) -> DoseNumber {
        self.dose
    }

    pub fn municipality(&self) -> MunicipalityCode {
        self.municipality
    }

    /// The ten digits of the voucher number.
    pub fn number(&self) -> String {
        self.number.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// The ticket type digit, when the OCR line was given.
    pub fn ticket_type(&self) -> Option<u8> {
        self.ticket_type
    }
}

impl Voucher {
    /// As sealed: the 18 digits of the OCR line, with `-` for a ticket type
    /// not given (the code and number typed apart).
    pub fn to_text(&self) -> String {
        let ticket = self.ticket_type.map_or('-', |t| char::from(b'0' + t));
        format!(
            "{ticket}{}{}{}",
            self.dose.get(),
            self.municipality,
            self.number()
        )
    }

    /// Back from [`Voucher::to_text`].
    pub fn from_text(text: &str) -> Result<Self, VoucherError> {
        match text.strip_prefix('-') {
            // Sliced by bytes below: digits only (a wide character is refused, not split).
            Some(rest) if rest.len() == 17 && rest.is_ascii() => {
                let dose = DoseNumber::new(rest.as_bytes()[0].wrapping_sub(b'0'))
                    .map_err(|_| VoucherError::NotDigits)?;
                Self::from_parts(&rest[1..7], &rest[7..], dose)
            }
            Some(_) => Err(VoucherError::NotDigits),
            None => {
                let dose = text
                    .as_bytes()
                    .get(1)
                    .and_then(|d| DoseNumber::new(d.wrapping_sub(b'0')).ok())
                    .ok_or(VoucherError::NotDigits)?;
                Self::from_ocr_line(text, dose)
            }
        }
    }
}

/// Never the number: a voucher is personal data.
impl fmt::Debug for Voucher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Voucher")
            .field("dose", &self.dose.get())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_voucher_reads_back_from_its_sealed_text() {
        let line = Voucher::from_ocr_line("1 1 041009 0123456789", DoseNumber::FIRST).unwrap();
        assert_eq!(line.to_text(), "110410090123456789");
        assert_eq!(Voucher::from_text(&line.to_text()).unwrap(), line);
        let typed = Voucher::from_parts("131016", "0000000042", DoseNumber::SECOND).unwrap();
        assert_eq!(typed.to_text(), "-21310160000000042");
        assert_eq!(Voucher::from_text(&typed.to_text()).unwrap(), typed);
        assert!(Voucher::from_text("-2").is_err());
    }

    #[test]
    fn real_municipality_codes_pass_their_check_digit() {
        for (code, prefecture) in [("041009", 4), ("131016", 13), ("011002", 1), ("271004", 27)] {
            let parsed = MunicipalityCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(parsed.to_string(), code);
            assert_eq!(parsed.prefecture(), prefecture);
        }
    }

    #[test]
    fn a_corrupted_municipality_code_is_refused() {
        // Sendai with one digit changed, and with two digits swapped.
        for code in ["041008", "041019", "014009"] {
            assert_eq!(
                MunicipalityCode::parse(code),
                Err(VoucherError::CheckDigit),
                "{code}"
            );
        }
    }

    #[test]
    fn an_ocr_line_reads_with_spaces_hyphens_and_full_width_digits() {
        let plain = Voucher::from_ocr_line("110410091234567890", DoseNumber::FIRST).unwrap();
        assert_eq!(plain.ticket_type(), Some(1));
        assert_eq!(plain.municipality().to_string(), "041009");
        assert_eq!(plain.number(), "1234567890");
        for typed in [
            "1 1 041009 1234567890",
            "11-041009-1234-567890",
            "１１０４１００９　１２３４５６７８９０",
        ] {
            assert_eq!(
                Voucher::from_ocr_line(typed, DoseNumber::FIRST).as_ref(),
                Ok(&plain),
                "{typed}"
            );
        }
    }

    #[test]
    fn an_ocr_line_with_a_problem_says_which() {
        let first = DoseNumber::FIRST;
        assert_eq!(
            Voucher::from_ocr_line("11041009123456789", first),
            Err(VoucherError::Length {
                expected: 18,
                found: 17
            })
        );
        assert_eq!(
            Voucher::from_ocr_line("11041009123456789a", first),
            Err(VoucherError::NotDigits)
        );
        assert_eq!(
            Voucher::from_ocr_line("110410081234567890", first),
            Err(VoucherError::CheckDigit)
        );
        assert_eq!(
            Voucher::from_ocr_line("120410091234567890", first),
            Err(VoucherError::WrongDose {
                voucher: 2,
                booked: 1
            })
        );
        assert!(Voucher::from_ocr_line("121310161234567890", DoseNumber::SECOND).is_ok());
    }

    #[test]
    fn a_voucher_typed_in_two_parts_is_checked_the_same() {
        let voucher = Voucher::from_parts("131016", "0000012345", DoseNumber::SECOND).unwrap();
        assert_eq!(voucher.ticket_type(), None);
        assert_eq!(voucher.dose(), DoseNumber::SECOND);
        assert_eq!(voucher.number(), "0000012345");
        assert_eq!(
            Voucher::from_parts("131017", "0000012345", DoseNumber::SECOND),
            Err(VoucherError::CheckDigit)
        );
        assert_eq!(
            Voucher::from_parts("131016", "12345", DoseNumber::SECOND),
            Err(VoucherError::Length {
                expected: 10,
                found: 5
            })
        );
    }

    #[test]
    fn every_problem_reads_in_both_languages_without_the_digits_given() {
        let problems = [
            VoucherError::NotDigits,
            VoucherError::Length {
                expected: 18,
                found: 17,
            },
            VoucherError::CheckDigit,
            VoucherError::WrongDose {
                voucher: 2,
                booked: 1,
            },
        ];
        for problem in problems {
            let ja = problem.message(Language::Ja);
            let en = problem.message(Language::En);
            assert!(!ja.is_empty() && !en.is_empty() && ja != en, "{problem:?}");
        }
        let voucher = Voucher::from_ocr_line("110410091234567890", DoseNumber::FIRST).unwrap();
        assert!(!format!("{voucher:?}").contains("1234567890"));
    }
}
