//! `sesshu`: the command line. Each command is a module of [`cli`]; this
//! file is only their names, flags and the dispatch.

mod cli;

use clap::{Parser, Subcommand};
use cli::admins::AdminsCommand;
use cli::audit::AuditCommand;
use cli::certs::CertsCommand;
use cli::fhir::FhirCommand;
use cli::institutions::InstitutionsCommand;
use cli::keys::KeysCommand;
use cli::mail::MailCommand;
use cli::members::MembersCommand;
use cli::reservations::ReservationsCommand;
use cli::retention::RetentionCommand;
use cli::vrs::VrsCommand;
use std::path::PathBuf;

/// Sesshu: vaccination appointment booking for a consortium of universities.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the demo: a seeded consortium on SQLite (or --db), plain HTTP on loopback.
    Demo {
        /// Port on 127.0.0.1.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Port of the back office (HTTPS, client certificate) on 127.0.0.1.
        #[arg(long, default_value_t = 8443)]
        office_port: u16,
        /// Database URL; default: sqlite in --data.
        #[arg(long)]
        db: Option<String>,
        /// Also seed members member00001… of institution `demo` (password `demo`).
        #[arg(long, default_value_t = 0)]
        people: usize,
        /// Folder of the demo database.
        #[arg(long, default_value = "sesshu-data")]
        data: PathBuf,
        /// Delete the demo's SQLite database first and seed afresh.
        #[arg(long)]
        reset: bool,
    },
    /// Run the public process with a configuration file (no demo data).
    Serve {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Run the back office: HTTPS with client certificates, the only process
    /// that opens personal data (docs/deploy.md).
    Office {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The back office's administrator accounts.
    Admins {
        #[command(subcommand)]
        command: AdminsCommand,
    },
    /// The back office's CA and certificates (docs/deploy.md).
    Certs {
        #[command(subcommand)]
        command: CertsCommand,
    },
    /// Apply the database migrations and exit.
    Migrate {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Member uploads (docs/members.md).
    Members {
        #[command(subcommand)]
        command: MembersCommand,
    },
    /// Bulk reservation fixes (docs/reservations.md).
    Reservations {
        #[command(subcommand)]
        command: ReservationsCommand,
    },
    /// Cancel the reservations of a day that nobody checked in (no-shows):
    /// without --apply, only the list and its counts.
    Noshows(cli::noshows::NoShowsArgs),
    /// Personal data after the campaign (docs/retention.md): each
    /// institution's campaign end and retention, and the purge.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// The records for the national Vaccination Record System (docs/vrs.md).
    Vrs {
        #[command(subcommand)]
        command: VrsCommand,
    },
    /// FHIR R4 Immunization bundles (docs/fhir.md).
    Fhir {
        #[command(subcommand)]
        command: FhirCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The back office's key pair for personal data.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The institution master (docs/institutions.md).
    Institutions {
        #[command(subcommand)]
        command: InstitutionsCommand,
    },
    /// Mail to people (docs/mail.md).
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // One TLS crypto provider for every library that speaks TLS (LDAP now,
    // the office's client certificates later): ring.
    sesshu::app::install_tls_provider();
    match Cli::parse().command {
        Command::Demo {
            port,
            office_port,
            db,
            people,
            data,
            reset,
        } => cli::demo::run(port, office_port, db, people, data, reset).await,
        Command::Serve { config } => cli::serve::run(config).await,
        Command::Office { config } => cli::office::run(config).await,
        Command::Mail { command } => cli::mail::run(command).await,
        Command::Admins { command } => cli::admins::run(command).await,
        Command::Certs { command } => cli::certs::run(command),
        Command::Institutions { command } => cli::institutions::run(command).await,
        Command::Keys { command } => cli::keys::run(command).await,
        Command::Audit { command } => cli::audit::run(command).await,
        Command::Members { command } => cli::members::run(command).await,
        Command::Reservations { command } => cli::reservations::run(command).await,
        Command::Noshows(args) => cli::noshows::run(args).await,
        Command::Retention { command } => cli::retention::run(command).await,
        Command::Vrs { command } => cli::vrs::run(command).await,
        Command::Fhir { command } => cli::fhir::run(command).await,
        Command::Migrate { config } => cli::migrate::run(config).await,
    }
}
