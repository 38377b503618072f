//! `sesshu vrs export`: the VRS file (ワクチン接種記録システム登録用) of a
//! period written to a file, through the same operation as the office's
//! `POST /lists/vrs.csv` (`sesshu_operations::vrs`): the rows written are
//! marked as exported and the export audited as the command's user
//! (`cli:<user>`, a system administrator). The report prints the counts
//! and the doses whose voucher was not collected, by reservation number,
//! dose and day: no names (docs/vrs.md).

use super::context::Context;
use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Subcommand;
use sesshu_domain::{Language, SystemClock, TOKYO};
use sesshu_operations::Operations;
use sesshu_operations::export::Unmappable;
use sesshu_operations::lists::Period;
use sesshu_operations::vrs::{self, VrsColumns, VrsExported, VrsFile, VrsRequest, WithoutVoucher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum VrsCommand {
    /// Write the file of the doses given from --from to --to (both days
    /// included, Asia/Tokyo) whose voucher was collected, and mark them as
    /// exported; list the doses whose voucher was not collected.
    Export {
        /// The first day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// The last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// The layout file (docs/vrs.md); default: `[office] vrs_columns`,
        /// else docs/vrs-columns.toml's layout.
        #[arg(long)]
        columns: Option<PathBuf>,
        /// Leave out the doses exported before.
        #[arg(long)]
        only_new: bool,
        /// The file to write (mode 0600: it holds voucher numbers).
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub async fn run(command: VrsCommand) -> anyhow::Result<()> {
    match command {
        VrsCommand::Export {
            from,
            to,
            columns,
            only_new,
            out,
            config,
        } => {
            let export = Export {
                from,
                to,
                columns,
                only_new,
                out,
            };
            export.run(config).await
        }
    }
}

struct Export {
    from: String,
    to: String,
    columns: Option<PathBuf>,
    only_new: bool,
    out: PathBuf,
}

impl Export {
    #[allow(clippy::print_stdout)] // a command's report is its output
    async fn run(self, config: Option<PathBuf>) -> anyhow::Result<()> {
        let lang = sesshu::reservations::language_of_locale();
        let day = |flag: &str, s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .with_context(|| format!("--{flag} {s:?}: expected YYYY-MM-DD"))
        };
        let period = Period::new(day("from", &self.from)?, day("to", &self.to)?)
            .context("--to is before --from: the period is empty")?;
        let context = Context::load(config)?;
        let layout = self.layout(&context)?;
        let key = context
            .config
            .vault
            .as_ref()
            .context("[vault] private_key_file is required: the file holds the vouchers")?
            .opening_key()?;
        let keys = sesshu_vault_open::Keyring::new([key]);
        let store = context.store().await?;
        let ops = Operations::new(store, Arc::new(SystemClock));
        let actor = sesshu::audit::command_actor();
        let request = VrsRequest {
            period,
            only_new: self.only_new,
        };
        let file = match vrs::export(&ops, &keys, &actor, &layout, request).await? {
            VrsExported::File(file) => file,
            VrsExported::Unmappable(cells) => {
                anyhow::bail!("{}", unmappable(lang, &cells))
            }
        };
        super::context::write_private(&self.out, &file.bytes)
            .with_context(|| format!("writing {}", self.out.display()))?;
        print!("{}", report(lang, &self.out, self.only_new, &file));
        Ok(())
    }

    /// `--columns`, else the office's `vrs_columns`, else the default.
    fn layout(&self, context: &Context) -> anyhow::Result<VrsColumns> {
        let configured = context
            .config
            .office
            .as_ref()
            .and_then(|o| o.vrs_columns.as_deref());
        match (self.columns.as_deref(), configured) {
            (Some(path), _) => sesshu::config::read_vrs_columns(path)
                .map_err(|e| anyhow::anyhow!("--columns {e:#}")),
            (None, Some(path)) => sesshu::config::read_vrs_columns(path)
                .map_err(|e| anyhow::anyhow!("[office] vrs_columns {e:#}")),
            (None, None) => Ok(VrsColumns::standard()),
        }
    }
}

/// What was written, then a line per dose without its voucher.
fn report(lang: Language, out: &Path, only_new: bool, file: &VrsFile) -> String {
    let out = out.display();
    let VrsFile {
        rows,
        exported_before,
        without_voucher,
        ..
    } = file;
    let missing = without_voucher.len();
    let mut text = match (lang, only_new) {
        (Language::Ja, true) => format!(
            "{out} に {rows} 行を書き出し、出力済みにしました (出力済みのため除外 {exported_before} 件、接種券未回収 {missing} 件)\n"
        ),
        (Language::Ja, false) => format!(
            "{out} に {rows} 行を書き出し、出力済みにしました (うち以前に出力済み {exported_before} 件、接種券未回収 {missing} 件)\n"
        ),
        (Language::En, true) => format!(
            "wrote {rows} rows to {out}, marked as exported ({exported_before} exported before left out, {missing} without a collected voucher)\n"
        ),
        (Language::En, false) => format!(
            "wrote {rows} rows to {out}, marked as exported ({exported_before} of them exported before, {missing} without a collected voucher)\n"
        ),
    };
    if missing > 0 {
        text.push_str(match lang {
            Language::Ja => "接種券が未回収のため書き出していない接種:\n",
            Language::En => "not written, the voucher was not collected:\n",
        });
        for w in without_voucher {
            text.push_str(&format!("  {}\n", missing_line(lang, w)));
        }
    }
    text
}

/// `K7M3-PQ2X dose 1 2026-12-10`.
fn missing_line(lang: Language, w: &WithoutVoucher) -> String {
    let day = w.at.with_timezone(&TOKYO).format("%Y-%m-%d");
    match lang {
        Language::Ja => format!("{} {}回目 {day}", w.number, w.dose.get()),
        Language::En => format!("{} dose {} {day}", w.number, w.dose.get()),
    }
}

/// Why nothing was written: the cells Shift_JIS cannot hold.
fn unmappable(lang: Language, cells: &[Unmappable]) -> String {
    let cells = cells
        .iter()
        .map(|c| match lang {
            Language::Ja => format!("{} 行 {} 列: {}", c.row, c.column, c.characters),
            Language::En => format!("row {} column {}: {}", c.row, c.column, c.characters),
        })
        .collect::<Vec<_>>()
        .join("; ");
    match lang {
        Language::Ja => format!(
            "レイアウトは Shift_JIS (cp932) ですが、保存できない文字があります。何も書き出さず、出力済みにもしていません: {cells}"
        ),
        Language::En => format!(
            "the layout asks for Shift_JIS (cp932), which these cells cannot be written in; nothing was written or marked: {cells}"
        ),
    }
}
