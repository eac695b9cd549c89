//! Why the relay refused readings: one named error per cause, each with a stable code
//! (the JSON body's `error`, the rejects metric's `reason` label) and an HTTP status.

use interfaces::market::RejectReason;

/// A refusal. Nothing of a refused request is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error("the body is not JSON readings: {0}")]
    MalformedJson(String),
    #[error("reading {index}: {message}")]
    BadField { index: usize, message: String },
    #[error("the body is not SCALE-encoded readings: {0}")]
    MalformedScale(String),
    #[error("no readings in the body")]
    Empty,
    #[error("{count} readings in one request; at most {max}")]
    TooManyReadings { count: usize, max: usize },
    #[error("the body is over {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("content type {0:?}: send application/json or application/octet-stream (SCALE)")]
    UnsupportedMediaType(String),
    /// What the energy market would answer for this reading (same rules, checked before any
    /// fee is paid): unknown device, bad signature, bad period...
    #[error("reading {index}: the energy market would refuse it: {reason:?}")]
    Refused { index: usize, reason: RejectReason },
    /// The sequence number was used before for another reading of this device.
    #[error("reading {index}: sequence {seq} of this device was used before (last {last})")]
    ReplayedSequence { index: usize, seq: u64, last: u64 },
    /// A sequence number below the last one taken for this device.
    #[error("reading {index}: sequence {seq} is below the last one taken, {last}")]
    StaleSequence { index: usize, seq: u64, last: u64 },
    /// The relay could not check or store the readings right now (registry lookup or disk);
    /// nothing was stored, send them again.
    #[error("the relay cannot take readings now: {0}")]
    Unavailable(String),
}

impl IngestError {
    /// The stable code of this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedJson(_) => "malformed_json",
            Self::BadField { message, .. } if message.contains("hex") => "bad_hex",
            Self::BadField { .. } => "bad_field",
            Self::MalformedScale(_) => "malformed_scale",
            Self::Empty => "empty",
            Self::TooManyReadings { .. } => "too_many_readings",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Refused { reason, .. } => reject_code(*reason),
            Self::ReplayedSequence { .. } => "replayed_sequence",
            Self::StaleSequence { .. } => "stale_sequence",
            Self::Unavailable(_) => "unavailable",
        }
    }

    /// The HTTP status that goes with it.
    pub fn status(&self) -> u16 {
        match self {
            Self::MalformedJson(_)
            | Self::BadField { .. }
            | Self::MalformedScale(_)
            | Self::Empty => 400,
            Self::TooManyReadings { .. } | Self::BodyTooLarge { .. } => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::Refused { .. } => 422,
            Self::ReplayedSequence { .. } | Self::StaleSequence { .. } => 409,
            Self::Unavailable(_) => 503,
        }
    }

    /// The index of the reading at fault, when one was.
    pub fn index(&self) -> Option<usize> {
        match self {
            Self::BadField { index, .. }
            | Self::Refused { index, .. }
            | Self::ReplayedSequence { index, .. }
            | Self::StaleSequence { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The same error for the reading at `offset + index` (a request's readings are
    /// checked in parts).
    pub fn shifted(self, offset: usize) -> Self {
        match self {
            Self::BadField { index, message } => Self::BadField {
                index: index + offset,
                message,
            },
            Self::Refused { index, reason } => Self::Refused {
                index: index + offset,
                reason,
            },
            Self::ReplayedSequence { index, seq, last } => Self::ReplayedSequence {
                index: index + offset,
                seq,
                last,
            },
            Self::StaleSequence { index, seq, last } => Self::StaleSequence {
                index: index + offset,
                seq,
                last,
            },
            other => other,
        }
    }
}

/// The snake_case code of the market's refusal reason.
pub fn reject_code(reason: RejectReason) -> &'static str {
    match reason {
        RejectReason::UnknownDevice => "unknown_device",
        RejectReason::WrongKind => "wrong_kind",
        RejectReason::NotCommissioned => "not_commissioned",
        RejectReason::DeviceRevoked => "device_revoked",
        RejectReason::OwnerInactive => "owner_inactive",
        RejectReason::NoEnergyProfile => "no_energy_profile",
        RejectReason::InFuture => "in_future",
        RejectReason::Replayed => "replayed_sequence",
        RejectReason::StaleSeq => "stale_sequence",
        RejectReason::NotAfterLast => "not_after_last",
        RejectReason::RegisterDecreased => "register_decreased",
        RejectReason::Implausible => "implausible",
        RejectReason::BadSignature => "bad_signature",
        RejectReason::UnknownVehicle => "unknown_vehicle",
        RejectReason::NotAVehicle => "not_a_vehicle",
        RejectReason::VehicleInactive => "vehicle_inactive",
        RejectReason::VehicleNotAtCharger => "vehicle_not_at_charger",
        RejectReason::PlugInMismatch => "plug_in_mismatch",
        RejectReason::BadVehicleSignature => "bad_vehicle_signature",
        RejectReason::AccrualFull => "accrual_full",
        RejectReason::TooManyMeters => "too_many_meters",
    }
}
