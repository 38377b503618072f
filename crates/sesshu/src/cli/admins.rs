//! `sesshu admins`: the back office's administrator accounts.

use super::context::Context;
use anyhow::Context as _;
use clap::Subcommand;
use sesshu::admins;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AdminsCommand {
    /// Add an account (the first system administrator, say). A built-in
    /// account without --password-file gets a generated password, shown once.
    Add {
        #[arg(long)]
        login: String,
        /// system_admin, operator, institution_staff or venue_staff.
        #[arg(long)]
        role: String,
        /// The institution (code) of institution staff.
        #[arg(long)]
        institution: Option<String>,
        /// The venue (id) of venue staff.
        #[arg(long)]
        venue: Option<i64>,
        /// `builtin`, or the code of an institution whose LDAP checks the password.
        #[arg(long, default_value = "builtin")]
        directory: String,
        /// A file whose first line is the password (built-in accounts).
        #[arg(long)]
        password_file: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List the accounts.
    List {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[allow(clippy::print_stdout)] // a command's report is its output
pub async fn run(command: AdminsCommand) -> anyhow::Result<()> {
    match command {
        AdminsCommand::Add {
            login,
            role,
            institution,
            venue,
            directory,
            password_file,
            config,
        } => {
            let context = Context::load(config)?;
            let store = context.store().await?;
            let password = password_file
                .map(|path| {
                    std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))
                        .map(|text| text.lines().next().unwrap_or_default().to_owned())
                })
                .transpose()?;
            let added = admins::add(
                &store,
                &sesshu_auth::PasswordPolicy::default(),
                admins::AddAccount {
                    login,
                    role,
                    institution,
                    venue,
                    directory,
                    password,
                },
            )
            .await?;
            println!("account {} added", added.id);
            if let Some(password) = added.generated_password {
                println!("its password (shown once): {password}");
            }
            Ok(())
        }
        AdminsCommand::List { config } => {
            let context = Context::load(config)?;
            let store = context.store().await?;
            for a in admins::list(&store).await? {
                let scope = match (a.role.institution(), a.role.venue()) {
                    (Some(i), _) => format!("institution {i}"),
                    (_, Some(v)) => format!("venue {v}"),
                    _ => "all".to_owned(),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    a.id,
                    a.directory.key(),
                    a.login.as_str(),
                    a.role.code(),
                    scope,
                    if a.disabled { "disabled" } else { "enabled" }
                );
            }
            Ok(())
        }
    }
}
