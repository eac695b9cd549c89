//! Sending signed readings to a meter relay: the JSON wire form (hex fields), an HTTP
//! feed and an MQTT feed, and the simulated meters an integrator can point at a relay.
//!
//! The relay parses exactly the form written here, so the two cannot drift apart.

use interfaces::{
    reading::{MeterReading, SignedReading, VehicleSession},
    Deployment, EnergySource,
};
use serde::{Deserialize, Serialize};
use smartcity_sdk::{device_id, keys::DeviceSigner, meter::MeterSimulator};

/// One signed register reading as JSON: byte fields in hex (with or without `0x`),
/// numbers as JSON numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonReading {
    pub device: String,
    pub seq: u64,
    pub at_ms: u64,
    pub import_wh_total: u64,
    pub export_wh_total: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<JsonSession>,
    pub signature: String,
}

/// A V2G session as JSON (see [`interfaces::reading::VehicleSession`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonSession {
    pub vehicle: String,
    pub plugged_in_ms: u64,
    pub signature: String,
}

/// Why a JSON reading is not a signed reading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonReadingError {
    #[error("field `{field}` is not hex of {bytes} bytes")]
    BadHex { field: &'static str, bytes: usize },
}

fn hex_array<const N: usize>(field: &'static str, text: &str) -> Result<[u8; N], JsonReadingError> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let mut out = [0u8; N];
    hex::decode_to_slice(digits, &mut out)
        .map_err(|_| JsonReadingError::BadHex { field, bytes: N })?;
    Ok(out)
}

impl From<&SignedReading> for JsonReading {
    fn from(signed: &SignedReading) -> Self {
        let r = &signed.reading;
        Self {
            device: format!("0x{}", hex::encode(r.device)),
            seq: r.seq,
            at_ms: r.at_ms,
            import_wh_total: r.import_wh_total,
            export_wh_total: r.export_wh_total,
            vehicle: r.vehicle.as_ref().map(|session| JsonSession {
                vehicle: format!("0x{}", hex::encode(session.vehicle)),
                plugged_in_ms: session.plugged_in_ms,
                signature: format!("0x{}", hex::encode(session.signature)),
            }),
            signature: format!("0x{}", hex::encode(signed.signature)),
        }
    }
}

impl TryFrom<&JsonReading> for SignedReading {
    type Error = JsonReadingError;

    fn try_from(json: &JsonReading) -> Result<Self, Self::Error> {
        let vehicle = match &json.vehicle {
            Some(session) => Some(Box::new(VehicleSession {
                vehicle: hex_array("vehicle.vehicle", &session.vehicle)?,
                plugged_in_ms: session.plugged_in_ms,
                signature: hex_array("vehicle.signature", &session.signature)?,
            })),
            None => None,
        };
        Ok(SignedReading {
            reading: MeterReading {
                device: hex_array("device", &json.device)?,
                seq: json.seq,
                at_ms: json.at_ms,
                import_wh_total: json.import_wh_total,
                export_wh_total: json.export_wh_total,
                vehicle,
            },
            signature: hex_array("signature", &json.signature)?,
        })
    }
}

/// The JSON body for one or many readings (a single object for one, an array otherwise).
pub fn to_json(readings: &[SignedReading]) -> String {
    let json: Vec<JsonReading> = readings.iter().map(JsonReading::from).collect();
    match json.as_slice() {
        [one] => serde_json::to_string(one),
        many => serde_json::to_string(many),
    }
    .expect("plain strings and numbers serialize")
}

/// What a relay answered to readings it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// Readings written to the relay's outbox by this request.
    pub stored: u32,
    /// Readings the relay already held (a resend): taken, not stored twice.
    pub duplicates: u32,
}

/// A relay's refusal: its HTTP status and the JSON body naming the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    #[serde(default)]
    pub status: u16,
    /// A stable code: `bad_signature`, `unknown_device`, `replayed_sequence`...
    pub error: String,
    pub message: String,
    /// The refused reading's index in the request, when one reading was at fault.
    #[serde(default)]
    pub index: Option<usize>,
}

/// Why a send did not get an answer either way.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The relay answered and refused the readings (nothing was stored).
    #[error("refused ({}): {} {}", .0.status, .0.error, .0.message)]
    Refused(Refusal),
    /// No answer (connection refused or dropped, timeout): the readings may or may not be
    /// stored; send them again, the relay takes a resend as a duplicate.
    #[error("no answer from the relay: {0}")]
    Transport(String),
}

/// POSTs readings to a relay's `/readings` endpoint.
#[cfg(feature = "http")]
#[derive(Clone)]
pub struct HttpFeed {
    base: String,
    agent: ureq::Agent,
}

#[cfg(feature = "http")]
impl HttpFeed {
    /// `base` is the relay's address, e.g. `http://127.0.0.1:8080`.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            agent: ureq::AgentBuilder::new()
                .timeout(std::time::Duration::from_secs(30))
                .build(),
        }
    }

    /// Sends readings as JSON.
    pub fn send(&self, readings: &[SignedReading]) -> Result<Ack, FeedError> {
        self.post("application/json", to_json(readings).as_bytes())
    }

    /// Sends readings as SCALE bytes (`Vec<SignedReading>`).
    pub fn send_scale(&self, readings: &[SignedReading]) -> Result<Ack, FeedError> {
        use scale::Encode;
        self.post("application/octet-stream", &readings.encode())
    }

    /// Sends any body (tests send malformed ones).
    pub fn post(&self, content_type: &str, body: &[u8]) -> Result<Ack, FeedError> {
        let url = format!("{}/readings", self.base);
        match self
            .agent
            .post(&url)
            .set("content-type", content_type)
            .send_bytes(body)
        {
            Ok(response) => response
                .into_json::<Ack>()
                .map_err(|e| FeedError::Transport(format!("unreadable answer: {e}"))),
            Err(ureq::Error::Status(status, response)) => {
                let text = response.into_string().unwrap_or_default();
                let mut refusal = serde_json::from_str::<Refusal>(&text).unwrap_or(Refusal {
                    status,
                    error: "unexpected_answer".into(),
                    message: text,
                    index: None,
                });
                refusal.status = status;
                Err(FeedError::Refused(refusal))
            }
            Err(ureq::Error::Transport(e)) => Err(FeedError::Transport(e.to_string())),
        }
    }

    /// GETs a JSON document from the relay (`/health`, `/meters/<hex>`).
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value, FeedError> {
        let url = format!("{}{path}", self.base);
        match self.agent.get(&url).call() {
            Ok(response) => response
                .into_json()
                .map_err(|e| FeedError::Transport(format!("unreadable answer: {e}"))),
            Err(ureq::Error::Status(status, response)) => Err(FeedError::Refused(Refusal {
                status,
                error: "http_status".into(),
                message: response.into_string().unwrap_or_default(),
                index: None,
            })),
            Err(ureq::Error::Transport(e)) => Err(FeedError::Transport(e.to_string())),
        }
    }

    /// The market the relay submits to and its chain (from its `/health`), which
    /// signatures must name.
    pub fn market(&self) -> Result<Deployment, FeedError> {
        let health = self.get_json("/health")?;
        let field = |name: &'static str| {
            hex_array::<32>(name, health[name].as_str().unwrap_or_default())
                .map_err(|e| FeedError::Transport(format!("/health: {e}")))
        };
        Ok(Deployment {
            contract: interfaces::AccountId::from(field("market")?),
            chain: field("chain")?,
        })
    }

    /// The highest sequence the relay holds (or the chain accepted) for `device`; 0 if none.
    pub fn last_seq(&self, device: &interfaces::DeviceId) -> Result<u64, FeedError> {
        Ok(self.last_reading(device)?.seq)
    }

    /// The last reading the relay holds (or the chain accepted) for `device`: where a
    /// meter goes on from (all zero if none).
    pub fn last_reading(&self, device: &interfaces::DeviceId) -> Result<LastReading, FeedError> {
        let info = self.get_json(&format!("/meters/0x{}", hex::encode(device)))?;
        let field = |name: &str| info[name].as_u64().unwrap_or(0);
        Ok(LastReading {
            seq: field("last_seq"),
            at_ms: field("at_ms"),
            import_wh_total: field("import_wh_total"),
            export_wh_total: field("export_wh_total"),
        })
    }
}

/// A device's last reading, as a relay reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LastReading {
    pub seq: u64,
    pub at_ms: u64,
    pub import_wh_total: u64,
    pub export_wh_total: u64,
}

/// Publishes readings to an MQTT broker with QoS 1, one message per reading on
/// `meters/<device hex>/readings`.
#[cfg(feature = "mqtt")]
pub struct MqttFeed {
    client: rumqttc::Client,
    worker: Option<std::thread::JoinHandle<Result<(), String>>>,
    acked: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

#[cfg(feature = "mqtt")]
impl MqttFeed {
    /// Connects to `url` (`mqtt://host:port`) as `client_id`.
    pub fn connect(url: &str, client_id: &str) -> anyhow::Result<Self> {
        use std::sync::atomic::Ordering;
        let (host, port) = parse_mqtt_url(url)?;
        let mut options = rumqttc::MqttOptions::new(client_id, host, port);
        options.set_keep_alive(std::time::Duration::from_secs(30));
        options.set_inflight(1_000);
        let (client, mut connection) = rumqttc::Client::new(options, 10_000);
        let acked = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = acked.clone();
        let worker = std::thread::spawn(move || {
            for event in connection.iter() {
                match event {
                    Ok(rumqttc::Event::Incoming(rumqttc::Packet::PubAck(_))) => {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(rumqttc::Event::Outgoing(rumqttc::Outgoing::Disconnect)) => return Ok(()),
                    Ok(_) => {}
                    Err(e) => return Err(e.to_string()),
                }
            }
            Ok(())
        });
        Ok(Self {
            client,
            worker: Some(worker),
            acked,
        })
    }

    /// Queues one reading as a JSON message (QoS 1).
    pub fn publish(&self, reading: &SignedReading) -> anyhow::Result<()> {
        let topic = format!("meters/{}/readings", hex::encode(reading.reading.device));
        self.client.publish(
            topic,
            rumqttc::QoS::AtLeastOnce,
            false,
            to_json(std::slice::from_ref(reading)),
        )?;
        Ok(())
    }

    /// Messages the broker acknowledged so far.
    pub fn acked(&self) -> u64 {
        self.acked.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Waits until the broker acknowledged `count` messages (or `timeout` passed), then
    /// disconnects. Returns how many were acknowledged.
    pub fn finish(mut self, count: u64, timeout: std::time::Duration) -> anyhow::Result<u64> {
        let deadline = std::time::Instant::now() + timeout;
        while self.acked() < count && std::time::Instant::now() < deadline {
            if self.worker.as_ref().is_some_and(|w| w.is_finished()) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let acked = self.acked();
        let _ = self.client.disconnect();
        if let Some(worker) = self.worker.take() {
            match worker.join() {
                Ok(Err(e)) if acked < count => anyhow::bail!("MQTT connection: {e}"),
                _ => {}
            }
        }
        Ok(acked)
    }
}

/// `mqtt://host:port` (or `host:port`) -> (host, port); the port defaults to 1883.
pub fn parse_mqtt_url(url: &str) -> anyhow::Result<(String, u16)> {
    let rest = url
        .strip_prefix("mqtt://")
        .or_else(|| url.strip_prefix("tcp://"))
        .unwrap_or(url);
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse::<u16>()
                .map_err(|_| anyhow::anyhow!("{url:?}: the port is not a number"))?,
        ),
        None => (rest, 1883),
    };
    if host.is_empty() {
        anyhow::bail!("{url:?}: no host");
    }
    Ok((host.to_string(), port))
}

/// The label of simulated meter `n` (its key and device id derive from it). The relay's
/// embedded chain registers these meters, one household each.
pub fn sim_meter_label(n: u32) -> String {
    format!("sim/meter-{n}")
}

/// The household that owns simulated meter `n`.
pub fn sim_household_label(n: u32) -> String {
    format!("sim/household-{n}")
}

/// Simulated meter `n` (a solar meter), signing for `market` on its chain, its sequence
/// and registers going on from `last`.
pub fn sim_meter(n: u32, market: Deployment, last: LastReading) -> MeterSimulator {
    let label = sim_meter_label(n);
    let mut meter = MeterSimulator::new(
        device_id(&label),
        DeviceSigner::from_seed(&label),
        market,
        EnergySource::Solar,
    );
    meter.seq = last.seq;
    meter.import_wh_total = last.import_wh_total;
    meter.export_wh_total = last.export_wh_total;
    meter
}

/// A quarter of an hour: how far apart a new simulated meter's readings are.
pub const QUARTER_MS: u64 = 15 * 60_000;

/// What a simulated meter exports: a steady 2 kW, so `interval_ms` gives
/// `2,000 W x interval` (500 Wh per quarter hour), whatever the pace of the simulation.
pub fn sim_export_wh(interval_ms: u64) -> u64 {
    interval_ms.saturating_mul(2_000) / 3_600_000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(vehicle: Option<interfaces::DeviceId>) -> SignedReading {
        SignedReading {
            reading: MeterReading {
                device: [0xab; 32],
                seq: 42,
                at_ms: 2,
                import_wh_total: 4,
                export_wh_total: 3,
                vehicle: vehicle.map(|vehicle| {
                    Box::new(VehicleSession {
                        vehicle,
                        plugged_in_ms: 1,
                        signature: [8; 65],
                    })
                }),
            },
            signature: [9; 65],
        }
    }

    #[test]
    fn json_round_trips_and_names_the_bad_field() {
        for signed in [reading(None), reading(Some([7; 32]))] {
            let json = JsonReading::from(&signed);
            assert_eq!(SignedReading::try_from(&json).unwrap(), signed);
        }
        let one = to_json(&[reading(None)]);
        assert!(one.starts_with('{') && one.contains("\"export_wh_total\":3"));
        assert!(to_json(&[reading(None), reading(None)]).starts_with('['));

        let mut json = JsonReading::from(&reading(None));
        json.device = "0xabc".into();
        assert_eq!(
            SignedReading::try_from(&json),
            Err(JsonReadingError::BadHex {
                field: "device",
                bytes: 32
            })
        );
        let mut json = JsonReading::from(&reading(None));
        json.signature = format!("zz{}", &json.signature[4..]);
        assert_eq!(
            SignedReading::try_from(&json),
            Err(JsonReadingError::BadHex {
                field: "signature",
                bytes: 65
            })
        );
        let mut json = JsonReading::from(&reading(Some([7; 32])));
        json.vehicle.as_mut().unwrap().vehicle = "0x12".into();
        assert_eq!(
            SignedReading::try_from(&json),
            Err(JsonReadingError::BadHex {
                field: "vehicle.vehicle",
                bytes: 32
            })
        );
        // a reading that names its source (the v1 form) is refused, not ignored
        let v1 = one.replace("\"seq\"", "\"source\":\"solar\",\"seq\"");
        assert!(serde_json::from_str::<JsonReading>(&v1).is_err());
        // unknown fields are refused, not ignored
        assert!(serde_json::from_str::<JsonReading>(r#"{"device":"00","extra":1}"#).is_err());
    }

    #[test]
    fn mqtt_urls_parse_with_a_default_port() {
        assert_eq!(
            parse_mqtt_url("mqtt://127.0.0.1:18830").unwrap(),
            ("127.0.0.1".to_string(), 18830)
        );
        assert_eq!(
            parse_mqtt_url("broker.local").unwrap(),
            ("broker.local".to_string(), 1883)
        );
        assert!(parse_mqtt_url("mqtt://host:port").is_err());
        assert!(parse_mqtt_url("mqtt://:1883").is_err());
    }
}

/// The wall clock in unix milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(all(feature = "http", feature = "mqtt"))]
/// Where simulated meters send their readings.
#[derive(Debug, Clone)]
pub enum Target {
    /// A relay's base URL; readings are POSTed as JSON, `per_request` at a time.
    Http { url: String, per_request: usize },
    /// An MQTT broker; one message per reading. `relay` is the relay's HTTP base URL,
    /// asked for the market, the meters' last sequences and, at the end, whether every
    /// reading was stored.
    Mqtt { url: String, relay: String },
}

#[cfg(all(feature = "http", feature = "mqtt"))]
/// What a simulation did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimReport {
    pub sent: u64,
    /// Readings the relay acknowledged (HTTP 202; for MQTT: stored, as the relay reports).
    pub acknowledged: u64,
    pub duplicates: u64,
    pub refused: u64,
    pub seconds: f64,
}

/// `meters` simulated meters (`sim/meter-0..`) each sign `per_meter` readings and send them
/// to `target`, at `rate` readings per second in all (0: as fast as the relay takes them).
/// Each meter goes on from the last reading the relay holds for it (its sequence and
/// registers), its readings spread evenly up to now.
#[cfg(all(feature = "http", feature = "mqtt"))]
pub fn simulate(
    target: &Target,
    meters: u32,
    per_meter: u64,
    rate: f64,
) -> anyhow::Result<SimReport> {
    let relay = HttpFeed::new(match target {
        Target::Http { url, .. } => url,
        Target::Mqtt { relay, .. } => relay,
    });
    let market = relay.market()?;
    let mut sims = Vec::new();
    let mut last_at = Vec::new();
    for n in 0..meters {
        let device = device_id(&sim_meter_label(n));
        let last = relay.last_reading(&device)?;
        sims.push(sim_meter(n, market, last));
        last_at.push(last.at_ms);
    }
    let started = std::time::Instant::now();
    let total = per_meter * u64::from(meters);
    let pace = |sent: u64| {
        if rate > 0.0 {
            let due = std::time::Duration::from_secs_f64(sent as f64 / rate);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    };
    // each meter's readings are spread evenly up to now, 15 minutes apart for a new meter
    // (whose first reading is its baseline), or over the time since its last reading; it
    // exports a steady 2 kW meanwhile
    let now = now_ms();
    let plan: Vec<(u64, u64)> = last_at
        .iter()
        .map(|&last| {
            let from = if last == 0 {
                now.saturating_sub(per_meter.saturating_mul(QUARTER_MS))
            } else {
                last
            };
            (from, (now.saturating_sub(from) / per_meter.max(1)).max(1))
        })
        .collect();
    let mut taken = vec![0u64; sims.len()];
    let mut next = |sims: &mut Vec<MeterSimulator>, i: usize| {
        taken[i] += 1;
        let (from, step) = plan[i];
        let baseline = last_at[i] == 0 && taken[i] == 1;
        let exported = if baseline { 0 } else { sim_export_wh(step) };
        sims[i].read(from + taken[i] * step, 0, exported)
    };
    let mut report = SimReport::default();
    match target {
        Target::Http { per_request, .. } => {
            let per_request = (*per_request).max(1);
            let mut batch = Vec::with_capacity(per_request);
            for k in 0..total {
                batch.push(next(&mut sims, (k % u64::from(meters)) as usize));
                if batch.len() == per_request || k + 1 == total {
                    pace(report.sent);
                    report.sent += batch.len() as u64;
                    match relay.send(&batch) {
                        Ok(ack) => {
                            report.acknowledged += u64::from(ack.stored + ack.duplicates);
                            report.duplicates += u64::from(ack.duplicates);
                        }
                        Err(FeedError::Refused(refusal)) => {
                            report.refused += batch.len() as u64;
                            eprintln!("refused: {} ({})", refusal.error, refusal.message);
                        }
                        Err(e) => anyhow::bail!("{e}"),
                    }
                    batch.clear();
                }
            }
        }
        Target::Mqtt { url, .. } => {
            let feed = MqttFeed::connect(url, &format!("meter-sim-{}", std::process::id()))?;
            let firsts: Vec<u64> = sims.iter().map(|s| s.seq).collect();
            let mut finals = firsts.clone();
            for k in 0..total {
                let i = (k % u64::from(meters)) as usize;
                let reading = next(&mut sims, i);
                finals[i] = reading.reading.seq;
                pace(report.sent);
                feed.publish(&reading)?;
                report.sent += 1;
            }
            feed.finish(total, std::time::Duration::from_secs(60))?;
            // the broker's PUBACK only says the broker has it: wait until the relay stored it
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
            loop {
                let mut stored = 0;
                for ((sim, first), last) in sims.iter().zip(&firsts).zip(&finals) {
                    stored += relay
                        .last_seq(&sim.device)?
                        .min(*last)
                        .saturating_sub(*first);
                }
                report.acknowledged = stored;
                if stored >= total || std::time::Instant::now() > deadline {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
