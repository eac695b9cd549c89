//! The meter-register rules every market deployment and the relay apply alike: what the
//! market keeps per device, the difference between two readings, the most an installation
//! can deliver in an interval, a device's fitness to report, and who owns a V2G session.

use super::*;

/// What the market keeps per device: its last accepted reading's registers and time, and
/// whom they were measured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct MeterState {
    /// The device's owner (account) when that reading was taken.
    pub owner: AccountId,
    pub seq: u64,
    pub at_ms: TimestampMs,
    pub import_wh_total: u64,
    pub export_wh_total: u64,
}

impl MeterState {
    /// The state a reading leaves behind.
    pub fn after(reading: &MeterReading, owner: AccountId) -> Self {
        Self {
            owner,
            seq: reading.seq,
            at_ms: reading.at_ms,
            import_wh_total: reading.import_wh_total,
            export_wh_total: reading.export_wh_total,
        }
    }

    /// The state as the account of `self.owner` keeps it for `device`.
    pub fn held(&self, device: DeviceId) -> HeldMeter {
        HeldMeter {
            device,
            seq: self.seq,
            at_ms: self.at_ms,
            import_wh_total: self.import_wh_total,
            export_wh_total: self.export_wh_total,
        }
    }

    /// The state `owner`'s account keeps as `held`.
    pub fn of(owner: AccountId, held: &HeldMeter) -> Self {
        Self {
            owner,
            seq: held.seq,
            at_ms: held.at_ms,
            import_wh_total: held.import_wh_total,
            export_wh_total: held.export_wh_total,
        }
    }
}

/// A device's last accepted reading as the account it was measured for keeps it: one
/// storage item per household (its account) instead of one per meter and one per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct HeldMeter {
    pub device: DeviceId,
    pub seq: u64,
    pub at_ms: TimestampMs,
    pub import_wh_total: u64,
    pub export_wh_total: u64,
}

/// The energy between a device's last accepted reading and a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Difference {
    pub from_ms: TimestampMs,
    pub to_ms: TimestampMs,
    pub export_wh: u64,
    pub import_wh: u64,
}

/// The register rules, which the market and the relay both apply: a higher sequence than
/// the last accepted (`Replayed`, `StaleSeq`; gaps allowed), a later time
/// (`NotAfterLast`), registers that never go down (`RegisterDecreased`), and no more
/// energy either way than `rated_w` delivers over the interval (`Implausible`).
pub fn difference(
    last: &MeterState,
    reading: &MeterReading,
    rated_w: u32,
) -> Result<Difference, RejectReason> {
    if reading.seq == last.seq {
        return Err(RejectReason::Replayed);
    }
    if reading.seq < last.seq {
        return Err(RejectReason::StaleSeq);
    }
    if reading.at_ms <= last.at_ms {
        return Err(RejectReason::NotAfterLast);
    }
    let export_wh = reading
        .export_wh_total
        .checked_sub(last.export_wh_total)
        .ok_or(RejectReason::RegisterDecreased)?;
    let import_wh = reading
        .import_wh_total
        .checked_sub(last.import_wh_total)
        .ok_or(RejectReason::RegisterDecreased)?;
    let limit = max_wh(rated_w, reading.at_ms.saturating_sub(last.at_ms));
    if u128::from(export_wh) > limit || u128::from(import_wh) > limit {
        return Err(RejectReason::Implausible);
    }
    Ok(Difference {
        from_ms: last.at_ms,
        to_ms: reading.at_ms,
        export_wh,
        import_wh,
    })
}

/// The most Wh `rated_w` delivers in `interval_ms`, rounded up.
pub fn max_wh(rated_w: u32, interval_ms: u64) -> u128 {
    u128::from(rated_w)
        .saturating_mul(u128::from(interval_ms))
        .div_ceil(HOUR_MS)
}

/// The market's first rules for a reading, which need no market state: its `device` (the
/// registry's record) must be a commissioned meter or EV charger of an active owner, with
/// an energy profile, and it must be read by `latest_ms` (the block's time on chain; a
/// relay allows its clock skew). The market and the relay apply these very rules.
pub fn check_device(
    reading: &MeterReading,
    device: Option<&DeviceInfo>,
    latest_ms: TimestampMs,
) -> Result<(), RejectReason> {
    let device = device.ok_or(RejectReason::UnknownDevice)?;
    if !matches!(device.kind, DeviceKind::Meter | DeviceKind::EvCharger) {
        return Err(RejectReason::WrongKind);
    }
    match device.status {
        DeviceStatus::Revoked => return Err(RejectReason::DeviceRevoked),
        DeviceStatus::Pending => return Err(RejectReason::NotCommissioned),
        DeviceStatus::Commissioned if !device.active => return Err(RejectReason::OwnerInactive),
        DeviceStatus::Commissioned => {}
    }
    if device.energy.is_none() {
        return Err(RejectReason::NoEnergyProfile);
    }
    if reading.at_ms > latest_ms {
        return Err(RejectReason::InFuture);
    }
    Ok(())
}

/// The owner of the vehicle of a V2G `session` at `charger` (the registry's records;
/// `vehicle` is `None` when the registry does not know it), if the session starts at the
/// charger's last accepted reading (`last_at_ms`). The vehicle's co-signature is checked
/// by the caller.
pub fn session_owner(
    charger: &DeviceInfo,
    session: &VehicleSession,
    vehicle: Option<&DeviceInfo>,
    last_at_ms: Option<TimestampMs>,
) -> Result<AccountId, RejectReason> {
    if charger.kind != DeviceKind::EvCharger {
        return Err(RejectReason::VehicleNotAtCharger);
    }
    let car = vehicle.ok_or(RejectReason::UnknownVehicle)?;
    if car.kind != DeviceKind::Vehicle {
        return Err(RejectReason::NotAVehicle);
    }
    if !car.active {
        return Err(RejectReason::VehicleInactive);
    }
    if last_at_ms != Some(session.plugged_in_ms) {
        return Err(RejectReason::PlugInMismatch);
    }
    Ok(car.owner)
}
