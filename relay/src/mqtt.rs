//! MQTT ingest (rumqttc): a QoS 1 subscription; each message is one reading or many (JSON
//! or SCALE). A message is acknowledged (PUBACK) only after its readings are on disk, or
//! after they were refused for good (counted and logged: a broker would redeliver a
//! refused message for ever otherwise). Acknowledgements go out in arrival order.

use crate::{codec::Format, error::IngestError, ingest::Ingest};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::{sync::Arc, time::Duration};

/// Runs until `stop` turns true.
pub async fn run(
    ingest: Arc<Ingest>,
    config: crate::config::MqttConfig,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let Some(broker) = config.broker.clone() else { return Ok(()) };
    let (host, port) = smartcity_client::feed::parse_mqtt_url(&broker)?;
    let mut options = MqttOptions::new(config.client_id.clone(), host, port);
    options.set_keep_alive(Duration::from_secs(30));
    options.set_clean_session(false);
    options.set_manual_acks(true);
    let limit = ingest.max_body_bytes;
    options.set_max_packet_size(limit + 1024, limit + 1024);
    let (client, mut events) = AsyncClient::new(options, 10_000);
    let (in_order, mut acks) = tokio::sync::mpsc::channel::<(rumqttc::Publish, tokio::task::JoinHandle<bool>)>(10_000);
    let acker = client.clone();
    let acking = tokio::spawn(async move {
        while let Some((publish, handle)) = acks.recv().await {
            // `false`: not stored and not refused for good (the disk failed): no PUBACK,
            // the broker sends it again after a reconnect
            if handle.await.unwrap_or(false) && acker.ack(&publish).await.is_err() {
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
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    let ingest = ingest.clone();
                    let payload = publish.payload.clone();
                    let topic = publish.topic.clone();
                    let handle = tokio::spawn(async move {
                        match ingest.take(&payload, Format::sniff(&payload), "mqtt").await {
                            Ok(_) => true,
                            Err(error @ IngestError::Unavailable(_)) => {
                                tracing::warn!(topic, %error, "MQTT readings not stored; left unacknowledged");
                                false
                            }
                            Err(error) => {
                                tracing::warn!(topic, code = error.code(), %error, "MQTT readings refused");
                                true
                            }
                        }
                    });
                    if in_order.send((publish, handle)).await.is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "MQTT connection lost; reconnecting");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            },
            _ = stop.changed() => break,
        }
    }
    drop(in_order);
    let _ = acking.await;
    let _ = client.disconnect().await;
    Ok(())
}
