//! The meter relay: ingests devices' signed readings over HTTP and MQTT,
//! checks them as the energy market would, stores them durably, and submits them in
//! batches to the market, over the SDK's (`smartcity-sdk`) `Chain` trait.
//!
//! - [`codec`]: JSON and SCALE bodies to readings.
//! - [`check`]: the market's rules and the signature, with cached registry records.
//! - [`outbox`]: SQLite (WAL, full sync); a reading is on disk before it is acknowledged.
//! - [`submitter`]: the chain thread: lookups, batches, dry runs, settlements, resumption.
//! - [`embedded`]: the in-process sandbox chain with the suite deployed.
//! - [`node`]: a node (`chain.endpoint`), with the city its deployment manifest names.
//! - [`http`], [`mqtt`]: the transports; [`metrics`]: Prometheus text.

pub mod app;
pub mod broker;
pub mod check;
pub mod codec;
pub mod config;
pub mod embedded;
pub mod error;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod mqtt;
pub mod node;
pub mod outbox;
pub mod submitter;

pub use config::Config;
pub use error::IngestError;
