//! The relay's configuration: a TOML file, every option also settable on the command line.

use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

/// Everything the relay is told. Missing keys take the defaults shown in
/// `relay/relay.example.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the outbox (`outbox.sqlite`) and the embedded chain (`chain.state`) live.
    pub data_dir: PathBuf,
    pub http: HttpConfig,
    /// MQTT ingest; off unless `mqtt.broker` is set.
    pub mqtt: MqttConfig,
    pub chain: ChainConfig,
    pub batch: BatchSettings,
    pub ingest: IngestSettings,
    pub embedded: EmbeddedConfig,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    /// Larger bodies get 413 `body_too_large`.
    pub max_body_bytes: usize,
    /// More readings in one request (or MQTT message) get 413 `too_many_readings`.
    pub max_readings_per_request: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MqttConfig {
    /// `mqtt://host:port`; unset: no MQTT ingest.
    pub broker: Option<String>,
    /// The topic filter to subscribe to with QoS 1.
    pub topic: String,
    /// The relay's client id; its session is kept by the broker (clean session off), so
    /// readings published while the relay is down are delivered when it is back.
    pub client_id: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChainConfig {
    /// A node's WebSocket endpoint (`ws://127.0.0.1:9944`). Unset: the embedded sandbox
    /// chain.
    pub endpoint: Option<String>,
    /// With `endpoint`: the deployment manifest `smartcity deploy` wrote
    /// (`deployments/local.json`): the market and registry addresses, and the chain's
    /// genesis hash, which must match the node's.
    pub deployment: Option<PathBuf>,
    /// Whose key signs the batches.
    /// On the embedded chain: `name:<name>` or `env:<VARIABLE>` (the variable holds the
    /// name); the account is derived from the name as the demo's are, and funded.
    /// On a node: `env:<VARIABLE>` or `file:<path>`, holding the relay account's secret URI
    /// (a mnemonic, or `//Eve` on a dev chain); never the secret itself in this file. The
    /// account pays the fees: fund it.
    pub signer: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BatchSettings {
    /// Most readings per `submit_readings` call (the market's own limit also applies).
    pub max_readings: usize,
    /// A smaller batch waits at most this long.
    pub interval_ms: u64,
    /// Settled readings are kept this long, then deleted.
    pub retain_settled_hours: u64,
    /// An account credited by the relay's batches accrues this long, then the relay settles
    /// it (`settle`: its credits minted, its bill paid). 0: the relay never settles; the
    /// citizens claim.
    pub settle_accounts_secs: u64,
    /// Store and forward only: readings are checked, stored and acknowledged, but no batch
    /// is sent and no account settled until the relay runs without it (while the chain is
    /// upgraded, or to measure ingest alone). The outbox keeps everything meanwhile.
    pub hold: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestSettings {
    /// How long a device's registry record is trusted before it is asked again.
    pub key_cache_secs: u64,
    /// Most device records cached.
    pub key_cache_entries: usize,
    /// How far a reading's period may end after the relay's clock.
    pub clock_skew_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmbeddedConfig {
    /// Simulated meters (`sim/meter-N`, one household each) registered on the embedded
    /// chain, for `smartcity meter simulate`.
    pub meters: u32,
    /// Built contracts to deploy on a new embedded chain.
    pub artifacts: PathBuf,
    /// A city saved by `smartcity demo --save`: a new embedded chain starts from it (its
    /// registry, token and market) instead of a fresh deployment.
    pub city: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("relay-data"),
            http: HttpConfig::default(),
            mqtt: MqttConfig::default(),
            chain: ChainConfig::default(),
            batch: BatchSettings::default(),
            ingest: IngestSettings::default(),
            embedded: EmbeddedConfig::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 4 << 20,
            max_readings_per_request: 10_000,
        }
    }
}

impl Default for MqttConfig {
    fn default() -> Self {
        Self {
            broker: None,
            topic: "meters/+/readings".into(),
            client_id: "meter-relay".into(),
        }
    }
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            endpoint: None,
            deployment: None,
            signer: "name:meter-relay".into(),
        }
    }
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            max_readings: interfaces::market::MAX_READINGS_PER_CALL as usize,
            interval_ms: 1_000,
            retain_settled_hours: 24,
            settle_accounts_secs: 3_600,
            hold: false,
        }
    }
}

impl Default for IngestSettings {
    fn default() -> Self {
        Self {
            key_cache_secs: 60,
            key_cache_entries: 100_000,
            clock_skew_ms: 60_000,
        }
    }
}

impl Default for EmbeddedConfig {
    fn default() -> Self {
        Self {
            meters: 16,
            artifacts: PathBuf::from("artifacts"),
            city: None,
        }
    }
}

impl Config {
    /// Reads a TOML file; unknown keys are refused by name.
    pub fn from_file(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Self::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        Ok(toml::from_str(text)?)
    }

    /// Refuses settings the relay cannot run with, naming them.
    pub fn validate(&self) -> anyhow::Result<()> {
        if let Some(endpoint) = &self.chain.endpoint {
            anyhow::ensure!(
                endpoint.starts_with("ws://") || endpoint.starts_with("wss://"),
                "chain.endpoint = {endpoint:?}: a node's WebSocket address (ws:// or wss://)"
            );
            anyhow::ensure!(
                self.chain.deployment.is_some(),
                "chain.endpoint is set: chain.deployment must name the deployment manifest \
                 (deployments/<network>.json, written by `smartcity deploy`)"
            );
            self.node_secret()?;
        } else {
            self.signer()?;
        }
        anyhow::ensure!(
            self.batch.max_readings > 0,
            "batch.max_readings must be at least 1"
        );
        anyhow::ensure!(
            self.batch.interval_ms > 0,
            "batch.interval_ms must be at least 1"
        );
        anyhow::ensure!(
            self.http.max_readings_per_request > 0,
            "http.max_readings_per_request must be at least 1"
        );
        anyhow::ensure!(
            self.http.max_body_bytes >= 1024,
            "http.max_body_bytes must be at least 1024"
        );
        if let Some(broker) = &self.mqtt.broker {
            meter_feed::parse_mqtt_url(broker)?;
        }
        Ok(())
    }

    /// On a node: the signing key's secret URI, from `env:<VARIABLE>` or `file:<path>`.
    pub fn node_secret(&self) -> anyhow::Result<String> {
        let source = &self.chain.signer;
        let secret = if let Some(var) = source.strip_prefix("env:") {
            std::env::var(var).map_err(|_| {
                anyhow::anyhow!("chain.signer: environment variable {var} is not set")
            })?
        } else if let Some(path) = source.strip_prefix("file:") {
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("chain.signer: cannot read {path}: {e}"))?
        } else {
            anyhow::bail!(
                "chain.signer = {source:?}: on a node write env:<VARIABLE> or file:<path> \
                 (holding the relay account's secret URI)"
            );
        };
        let secret = secret.trim().to_string();
        anyhow::ensure!(!secret.is_empty(), "chain.signer: an empty secret URI");
        Ok(secret)
    }

    /// The signing account.
    pub fn signer(&self) -> anyhow::Result<interfaces::AccountId> {
        let source = &self.chain.signer;
        let name = if let Some(name) = source.strip_prefix("name:") {
            name.to_string()
        } else if let Some(var) = source.strip_prefix("env:") {
            std::env::var(var).map_err(|_| {
                anyhow::anyhow!("chain.signer: environment variable {var} is not set")
            })?
        } else {
            anyhow::bail!("chain.signer = {source:?}: write name:<name> or env:<VARIABLE>");
        };
        anyhow::ensure!(!name.is_empty(), "chain.signer: an empty name");
        Ok(smartcity_sdk::named_account(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_overrides_defaults_and_refuses_unknown_keys() {
        let config = Config::from_toml(
            r#"
            data_dir = "/var/lib/relay"
            [http]
            listen = "0.0.0.0:9000"
            [mqtt]
            broker = "mqtt://127.0.0.1:1883"
            [batch]
            max_readings = 64
            "#,
        )
        .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/var/lib/relay"));
        assert_eq!(config.http.listen.port(), 9000);
        assert_eq!(
            config.http.max_body_bytes,
            HttpConfig::default().max_body_bytes
        );
        assert_eq!(config.mqtt.topic, "meters/+/readings");
        assert_eq!(config.batch.max_readings, 64);
        config.validate().unwrap();
        let error = Config::from_toml("[http]\nlisten_on = \"x\"").unwrap_err();
        assert!(error.to_string().contains("listen_on"), "{error}");
    }

    #[test]
    fn the_example_file_states_the_defaults() {
        let example = Config::from_toml(include_str!("../relay.example.toml")).unwrap();
        assert_eq!(example, Config::default());
    }

    #[test]
    fn unusable_settings_are_named() {
        let mut config = Config::default();
        config.chain.endpoint = Some("127.0.0.1:9944".into());
        assert!(config
            .validate()
            .unwrap_err()
            .to_string()
            .contains("chain.endpoint"));
        // a node needs the manifest, and a secret from the environment or a file
        config.chain.endpoint = Some("ws://127.0.0.1:9944".into());
        assert!(config
            .validate()
            .unwrap_err()
            .to_string()
            .contains("chain.deployment"));
        config.chain.deployment = Some("deployments/local.json".into());
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains("env:<VARIABLE> or file:<path>"), "{error}");
        config.chain.signer = "env:METER_RELAY_TEST_UNSET_SURI".into();
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains("is not set"), "{error}");
        let mut config = Config::default();
        config.chain.signer = "alice".into();
        assert!(config
            .validate()
            .unwrap_err()
            .to_string()
            .contains("chain.signer"));
        let mut config = Config::default();
        config.mqtt.broker = Some("mqtt://host:notaport".into());
        assert!(config.validate().is_err());
        let mut config = Config::default();
        config.batch.max_readings = 0;
        assert!(config.validate().is_err());
    }
}
