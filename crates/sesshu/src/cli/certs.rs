//! `sesshu certs`: the back office's CA and certificates (docs/deploy.md);
//! the commands and their work are `sesshu::certs`.

pub use sesshu::certs::CertsCommand;

pub fn run(command: CertsCommand) -> anyhow::Result<()> {
    sesshu::certs::run(command).map(drop)
}
