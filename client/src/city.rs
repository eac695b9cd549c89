//! A city saved to a file by `smartcity demo --save`: the contracts' addresses and the
//! whole embedded chain. The `smartcity` commands and the meter relay (`--city`) load it.

use crate::SandboxChain;
use anyhow::{bail, Context};
use interfaces::AccountId;
use scale::{Decode, Encode};
use std::path::Path;

/// The deployed contracts of a saved city, and the fare contract's events (the sandbox
/// keeps no event history; `fares report` reads them from here).
#[derive(Encode, Decode, Clone)]
pub struct Book {
    pub registry: AccountId,
    pub token: AccountId,
    pub market: AccountId,
    pub parking: AccountId,
    pub fares: AccountId,
    /// (topics, data) of each fare event, in order.
    pub fare_log: Vec<(Vec<[u8; 32]>, Vec<u8>)>,
}

/// A city saved to a file: the contracts' addresses and the whole chain state.
#[derive(Encode, Decode)]
pub struct SavedCity {
    pub format: [u8; 4],
    pub book: Book,
    pub chain: Vec<u8>,
}

pub const STATE_FORMAT: [u8; 4] = *b"SCC4";

pub fn save(path: &Path, chain: &mut SandboxChain, book: Book) -> anyhow::Result<()> {
    let saved = SavedCity {
        format: STATE_FORMAT,
        book,
        chain: chain.export_state(),
    };
    std::fs::write(path, saved.encode()).with_context(|| format!("cannot write {}", path.display()))
}

pub fn load(path: &Path) -> anyhow::Result<(SandboxChain, SavedCity)> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "cannot read {} (run `smartcity demo --save {}` first)",
            path.display(),
            path.display()
        )
    })?;
    let saved = SavedCity::decode(&mut &bytes[..])
        .ok()
        .filter(|s| s.format == STATE_FORMAT);
    let Some(saved) = saved else {
        bail!("{} is not a saved smart-city chain", path.display());
    };
    let chain = SandboxChain::import_state(&saved.chain)?;
    Ok((chain, saved))
}
