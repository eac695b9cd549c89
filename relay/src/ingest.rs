//! One path for every transport: decode, check, store; count what happened.

use crate::{
    check::{check_all, Checked, DeviceCache},
    codec::{decode, Format},
    error::IngestError,
    metrics::{Metrics, TransportLabel},
    outbox::{now_ms, Queued, Store, Writer},
};
use interfaces::Deployment;
use meter_feed::Ack;
use std::sync::{Arc, Mutex};

/// What HTTP and MQTT share.
pub struct Ingest {
    pub cache: DeviceCache,
    pub writer: Writer,
    /// The market (on its chain) every signature must name.
    pub market: Deployment,
    pub metrics: Arc<Metrics>,
    pub max_readings: usize,
    pub max_body_bytes: usize,
    pub clock_skew_ms: u64,
    /// A read connection for the status endpoints.
    pub store: Mutex<Store>,
}

impl Ingest {
    /// Takes a body of readings: all are stored (on disk when this returns `Ok`), or none.
    pub async fn take(
        &self,
        body: &[u8],
        format: Format,
        transport: &'static str,
    ) -> Result<Ack, IngestError> {
        let checked = self.check(body, format, transport).await?;
        let count = checked.len() as u64;
        let queued = self.writer.enqueue(checked);
        self.finish(queued, count).await
    }

    /// Decodes and checks a body (counted as received; a refusal counted by reason).
    pub async fn check(
        &self,
        body: &[u8],
        format: Format,
        transport: &'static str,
    ) -> Result<Vec<Checked>, IngestError> {
        let received = |n: u64| {
            self.metrics
                .received
                .get_or_create(&TransportLabel { transport })
                .inc_by(n);
        };
        let readings = match decode(body, format, self.max_readings) {
            Ok(readings) => readings,
            Err(error) => {
                received(1);
                self.metrics.reject(error.code(), 1);
                return Err(error);
            }
        };
        let count = readings.len() as u64;
        received(count);
        let checked = check_all(
            &self.cache,
            &self.market,
            readings,
            now_ms(),
            self.clock_skew_ms,
        )
        .await;
        if let Err(error) = &checked {
            self.metrics.reject(error.code(), count);
        }
        checked
    }

    /// Waits for queued readings to be committed (a refusal counted by reason).
    pub async fn finish(
        &self,
        queued: Result<Queued, IngestError>,
        count: u64,
    ) -> Result<Ack, IngestError> {
        let result = match queued {
            Ok(queued) => Writer::outcome(queued).await,
            Err(error) => Err(error),
        };
        if let Err(error) = &result {
            self.metrics.reject(error.code(), count);
        }
        result
    }
}
