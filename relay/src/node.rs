//! The relay on a node: `chain.endpoint` names it, `chain.deployment` the manifest of the
//! city deployed there (`smartcity deploy`), `chain.signer` the relay account's key.

use crate::config::Config;
use anyhow::Context;
use smartcity_node::NodeChain;
use smartcity_sdk::ss58;
use smartcity_suite::{deployment, Suite};

/// Connects to the node with the relay's key and reads the city's addresses from the
/// manifest, refusing a manifest made on another chain or a market that is not there.
pub fn open(config: &Config) -> anyhow::Result<(NodeChain, Suite)> {
    let url = config
        .chain
        .endpoint
        .as_deref()
        .context("chain.endpoint is not set")?;
    let path = config
        .chain
        .deployment
        .as_deref()
        .context("chain.deployment is not set")?;
    let mut chain = NodeChain::connect(url, &config.node_secret()?)?;
    let manifest = deployment::read(path)?;
    let (name, genesis) = chain.identity();
    anyhow::ensure!(
        deployment::genesis(&manifest) == Some(genesis.as_str()),
        "{} was made on another chain than {url} ({name}, genesis {genesis}): deploy there first",
        path.display()
    );
    let suite = deployment::suite(&manifest)?;
    anyhow::ensure!(
        chain.contract_exists(suite.market)?,
        "no energy market at {} on {url}",
        ss58(&suite.market)
    );
    let balance = chain.free_balance(chain.root_account())?;
    tracing::info!(
        relay = %ss58(&chain.root_account()),
        balance,
        chain = %name,
        "connected to the node"
    );
    Ok((chain, suite))
}
