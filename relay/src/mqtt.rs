//! MQTT ingest (rumqttc): a QoS 1 subscription; each message is one reading or many (JSON
//! or SCALE). A message is acknowledged (PUBACK) only after its readings are on disk, or
//! after they were refused for good (counted and logged: a broker would redeliver a
//! refused message for ever otherwise).
//!
//! Messages are checked in parallel (signature recovery is the costly part) but queued
//! for the outbox and acknowledged in arrival order, so a meter's readings are stored in
//! the order it published them: three stages joined by ordered channels.
//!
//! The channels are unbounded on purpose: rumqttc sends acknowledgements only while its
//! event loop is polled, so the loop must never wait for the later stages (bounded
//! channels deadlocked under a flood: the loop waited for stage 2, stage 2 for stage 3,
//! stage 3 for the loop to send its PUBACKs). What is in flight is bounded by what the
//! broker sends before it is acknowledged; mosquitto 2.0 does not cap that for MQTT 3.1.1
//! sessions, and the benchmark's flood of 100,000 messages shows the memory it takes.

use crate::{
    check::Checked as CheckedReading, codec::Format, error::IngestError, ingest::Ingest,
    outbox::Queued,
};
use rumqttc::Publish;
use tokio::task::JoinHandle;

type Checked = Result<Vec<CheckedReading>, IngestError>;

enum Stage {
    Queued(Result<Queued, IngestError>, u64),
    Refused(IngestError),
}
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::{sync::Arc, time::Duration};

/// Runs until `stop` turns true.
pub async fn run(
    ingest: Arc<Ingest>,
    config: crate::config::MqttConfig,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let Some(broker) = config.broker.clone() else {
        return Ok(());
    };
    let (host, port) = meter_feed::parse_mqtt_url(&broker)?;
    let mut options = MqttOptions::new(config.client_id.clone(), host, port);
    options.set_keep_alive(Duration::from_secs(30));
    options.set_clean_session(false);
    options.set_manual_acks(true);
    let limit = ingest.max_body_bytes;
    options.set_max_packet_size(limit + 1024, limit + 1024);
    let (client, mut events) = AsyncClient::new(options, 10_000);
    // stage 2: in arrival order, queue checked readings for the outbox
    let (checking, mut checked) =
        tokio::sync::mpsc::unbounded_channel::<(Publish, JoinHandle<Checked>)>();
    let (storing, mut stored) = tokio::sync::mpsc::unbounded_channel::<(Publish, Stage)>();
    let queue_ingest = ingest.clone();
    let queueing = tokio::spawn(async move {
        while let Some((publish, handle)) = checked.recv().await {
            let stage = match handle.await {
                Ok(Ok(readings)) => {
                    let count = readings.len() as u64;
                    Stage::Queued(queue_ingest.writer.enqueue(readings), count)
                }
                Ok(Err(error)) => Stage::Refused(error),
                Err(_) => Stage::Refused(IngestError::Unavailable("a check task failed".into())),
            };
            if storing.send((publish, stage)).is_err() {
                break;
            }
        }
    });
    // stage 3: in arrival order, wait for the commit and acknowledge
    let acker = client.clone();
    let ack_ingest = ingest.clone();
    let acking = tokio::spawn(async move {
        while let Some((publish, stage)) = stored.recv().await {
            let result = match stage {
                Stage::Queued(queued, count) => ack_ingest.finish(queued, count).await.map(|_| ()),
                Stage::Refused(error) => Err(error),
            };
            let ack = match result {
                Ok(()) => true,
                // not stored, and not refused for good (the disk failed): no PUBACK, the
                // broker sends it again after a reconnect
                Err(error @ IngestError::Unavailable(_)) => {
                    tracing::warn!(topic = publish.topic, %error, "MQTT readings not stored; left unacknowledged");
                    false
                }
                Err(error) => {
                    tracing::warn!(topic = publish.topic, code = error.code(), %error, "MQTT readings refused");
                    true
                }
            };
            if ack && acker.ack(&publish).await.is_err() {
                break;
            }
        }
    });
    tracing::info!(broker, topic = config.topic, "MQTT ingest starting");
    loop {
        tokio::select! {
            event = events.poll() => match event {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    tracing::info!("MQTT connected; subscribing");
                    client.subscribe(config.topic.clone(), QoS::AtLeastOnce).await?;
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    tracing::info!("MQTT subscribed");
                    ingest.metrics.mqtt_subscribed.set(1);
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    // stage 1: decode and check, in parallel
                    let ingest = ingest.clone();
                    let payload = publish.payload.clone();
                    let handle = tokio::spawn(async move {
                        ingest.check(&payload, Format::sniff(&payload), "mqtt").await
                    });
                    if checking.send((publish, handle)).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    ingest.metrics.mqtt_subscribed.set(0);
                    tracing::warn!(%error, "MQTT connection lost; reconnecting");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            },
            _ = stop.changed() => break,
        }
    }
    drop(checking);
    let _ = queueing.await;
    let _ = acking.await;
    let _ = client.disconnect().await;
    Ok(())
}
