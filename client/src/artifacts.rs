//! Reading the built contracts from `artifacts/<name>/<name>.wasm`.

use anyhow::Context;
use std::path::{Path, PathBuf};

/// Where the artifacts are: `$SMARTCITY_ARTIFACTS`, else the workspace's `artifacts/`.
pub fn default_dir() -> PathBuf {
    std::env::var_os("SMARTCITY_ARTIFACTS")
        .map(PathBuf::from)
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
