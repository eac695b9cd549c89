//! Reading the built contracts from `artifacts/<name>/<name>.wasm`.

use anyhow::Context;
use std::path::{Path, PathBuf};

/// Where the artifacts are: `$SMARTCITY_ARTIFACTS`; else the nearest `artifacts/` holding a
/// `SHA256SUMS` in the current folder or above it (a clone's root, from any folder of it);
/// else the one beside the sources this binary was built from. The compiled-in path comes
/// last: a shared target folder can hold a binary built from another clone.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SMARTCITY_ARTIFACTS") {
        return PathBuf::from(dir);
    }
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            cwd.ancestors()
                .map(|dir| dir.join("artifacts"))
                .find(|dir| dir.join("SHA256SUMS").is_file())
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts"))
}

/// The optimised `.wasm` of contract `name` under `dir`.
pub fn wasm(dir: &Path, name: &str) -> anyhow::Result<Vec<u8>> {
    let path = dir.join(name).join(format!("{name}.wasm"));
    std::fs::read(&path).with_context(|| {
        format!(
            "cannot read {} (build the contracts with scripts/build.sh, or point SMARTCITY_ARTIFACTS at them)",
            path.display()
        )
    })
}
