//! The prefecture's list of people vaccinated (県に提出する接種者一覧):
//! which columns, in which order, under which headers. Each prefecture asks
//! for its own, so they come from a file (docs/prefecture.md):
//!
//! ```toml
//! [[column]]
//! header = "接種日"
//! value = "date"
//!
//! [[column]]
//! header = "接種会場の種別"
//! text = "大学拠点接種"
//! ```

use serde::Deserialize;

/// What a column holds for one dose given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// The day of the check-in, `YYYY-MM-DD` (Tokyo).
    Date,
    /// Its time, `HH:MM`.
    Time,
    /// 1 or 2.
    Dose,
    /// The reservation number.
    Number,
    NameKanji,
    NameKana,
    NameRoman,
    Institution,
    UserType,
    Department,
    Venue,
    Lane,
    Vaccine,
}

/// One column: a header and either a value or a fixed text.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub header: String,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub text: Option<String>,
}

/// The columns of the list, in order.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefectureColumns {
    #[serde(rename = "column")]
    pub columns: Vec<Column>,
}

impl PrefectureColumns {
    /// Reads a columns file: a TOML error names its line and column, and a
    /// column must have exactly one of `value` and `text`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let columns: PrefectureColumns = toml::from_str(text).map_err(|e| e.to_string())?;
        if columns.columns.is_empty() {
            return Err("no [[column]]".into());
        }
        for (i, c) in columns.columns.iter().enumerate() {
            if c.value.is_some() == c.text.is_some() {
                return Err(format!(
                    "column {} ({:?}): give either value or text",
                    i + 1,
                    c.header
                ));
            }
        }
        Ok(columns)
    }

    /// The columns when no file is configured.
    pub fn standard() -> Self {
        let column = |header: &str, value| Column {
            header: header.into(),
            value: Some(value),
            text: None,
        };
        Self {
            columns: vec![
                column("接種日", Value::Date),
                column("接種時刻", Value::Time),
                column("接種回数", Value::Dose),
                column("氏名", Value::NameKanji),
                column("フリガナ", Value::NameKana),
                column("所属機関", Value::Institution),
                column("身分", Value::UserType),
                column("ワクチン", Value::Vaccine),
                column("接種会場", Value::Venue),
                column("予約番号", Value::Number),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_names_its_columns_and_a_wrong_one_says_where() {
        let columns = PrefectureColumns::parse(
            "[[column]]\nheader = \"接種日\"\nvalue = \"date\"\n\n\
             [[column]]\nheader = \"種別\"\ntext = \"大学拠点接種\"\n",
        )
        .unwrap();
        assert_eq!(columns.columns.len(), 2);
        assert_eq!(columns.columns[0].value, Some(Value::Date));
        assert_eq!(columns.columns[1].text.as_deref(), Some("大学拠点接種"));

        let typo = PrefectureColumns::parse("[[column]]\nheader = \"x\"\nvalue = \"birthday\"\n")
            .unwrap_err();
        assert!(typo.contains("line 3"), "{typo}");
        let both = PrefectureColumns::parse(
            "[[column]]\nheader = \"x\"\nvalue = \"date\"\ntext = \"y\"\n",
        )
        .unwrap_err();
        assert!(both.contains("either value or text"), "{both}");
        assert!(PrefectureColumns::parse("").is_err());
    }
}
