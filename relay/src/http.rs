//! The HTTP endpoints (axum): `POST /readings`, `GET /meters/<device>`,
//! `GET /meters/<device>/<seq>`, `GET /health`, `GET /metrics`.

use crate::{codec::Format, error::IngestError, ingest::Ingest, outbox::now_ms};
use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use interfaces::DeviceId;
use serde_json::json;
use std::sync::{atomic::Ordering, Arc};

pub fn router(ingest: Arc<Ingest>) -> Router {
    Router::new()
        .route("/readings", post(post_readings))
        .route("/meters/:device", get(meter))
        .route("/meters/:device/:seq", get(reading_status))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(ingest)
}

/// The JSON refusal: `{"error": code, "message": text, "index": i}`.
pub fn refusal(error: &IngestError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body =
        json!({ "error": error.code(), "message": error.to_string(), "index": error.index() });
    (status, Json(body)).into_response()
}

async fn post_readings(
    State(ingest): State<Arc<Ingest>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let Some(format) = Format::from_content_type(content_type) else {
        let error = IngestError::UnsupportedMediaType(content_type.unwrap_or_default().to_string());
        ingest.metrics.reject(error.code(), 1);
        return refusal(&error);
    };
    let bytes = match axum::body::to_bytes(body, ingest.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let error = IngestError::BodyTooLarge {
                limit: ingest.max_body_bytes,
            };
            ingest.metrics.reject(error.code(), 1);
            return refusal(&error);
        }
    };
    match ingest.take(&bytes, format, "http").await {
        Ok(ack) => (StatusCode::ACCEPTED, Json(ack)).into_response(),
        Err(error) => {
            if error.status() >= 500 {
                tracing::warn!(%error, "readings not taken");
            } else {
                tracing::debug!(%error, "readings refused");
            }
            refusal(&error)
        }
    }
}

fn parse_device(text: &str) -> Option<DeviceId> {
    let mut device = [0u8; 32];
    hex::decode_to_slice(text.strip_prefix("0x").unwrap_or(text), &mut device).ok()?;
    Some(device)
}

fn bad_device() -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": "bad_hex", "message": "the device is not hex of 32 bytes" })),
    )
        .into_response()
}

/// The last reading the relay holds for a device, or that the chain accepted if that is
/// later: its sequence, time and registers, so a meter (or the simulator) knows where to
/// go on.
async fn meter(State(ingest): State<Arc<Ingest>>, Path(device): Path<String>) -> Response {
    let Some(device) = parse_device(&device) else {
        return bad_device();
    };
    let stored = match ingest
        .store
        .lock()
        .expect("store lock")
        .last_reading(&device)
    {
        Ok(state) => state,
        Err(e) => return refusal(&IngestError::Unavailable(e.to_string())),
    };
    let on_chain = match ingest.cache.get(&[device]).await {
        Ok(records) => records[0].chain_last,
        Err(e) => return refusal(&IngestError::Unavailable(e)),
    };
    let stored_seq = stored.map_or(0, |state| state.seq);
    let latest = crate::check::latest(stored, on_chain);
    let field = |f: fn(&interfaces::market::MeterState) -> u64| latest.as_ref().map_or(0, f);
    Json(json!({
        "device": format!("0x{}", hex::encode(device)),
        "last_seq": field(|s| s.seq),
        "stored_last_seq": stored_seq,
        "at_ms": field(|s| s.at_ms),
        "import_wh_total": field(|s| s.import_wh_total),
        "export_wh_total": field(|s| s.export_wh_total),
    }))
    .into_response()
}

async fn reading_status(
    State(ingest): State<Arc<Ingest>>,
    Path((device, seq)): Path<(String, u64)>,
) -> Response {
    let Some(device) = parse_device(&device) else {
        return bad_device();
    };
    match ingest
        .store
        .lock()
        .expect("store lock")
        .status(&device, seq)
    {
        Ok(Some(status)) => Json(status).into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "not_found", "message": "the relay holds no such reading" })),
        )
            .into_response(),
        Err(e) => refusal(&IngestError::Unavailable(e.to_string())),
    }
}

async fn health(State(ingest): State<Arc<Ingest>>) -> Response {
    let beat = ingest.metrics.heartbeat_ms.load(Ordering::Relaxed);
    let silent_ms = now_ms().saturating_sub(beat);
    // a batch takes seconds at most; a chain thread silent for a minute is stuck
    let ok = beat > 0 && silent_ms < 60_000;
    let body = json!({
        "status": if ok { "ok" } else { "chain_thread_stalled" },
        "market": format!("0x{}", hex::encode(ingest.market.contract)),
        "chain": format!("0x{}", hex::encode(ingest.market.chain)),
        "queue_depth": ingest.metrics.queue_depth.get(),
        "chain_thread_silent_ms": silent_ms,
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn metrics(State(ingest): State<Arc<Ingest>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        ingest.metrics.render(),
    )
        .into_response()
}
