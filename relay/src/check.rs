//! Checking a reading before it is stored: the energy market's own rules (device kind,
//! status and profile, time, signature, V2G vehicle and co-signature), so the relay never
//! pays a fee for a reading the chain would refuse. The sequence and the registers are
//! checked where readings are stored ([`crate::outbox`]), against the device's last
//! reading there or on chain.

use interfaces::{
    market::{check_device, session_owner, MeterState, RejectReason},
    reading::{reading_digest_preimage, session_preimage, SignedReading},
    registry::DeviceInfo,
    Deployment, DeviceId, DeviceKey,
};
use scale::Encode;
use secp256k1::{
    ecdsa::{RecoverableSignature, RecoveryId},
    Message, SECP256K1,
};
use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// What the chain says of a device: its registry record (`None`: unknown), the last
/// reading the market accepted from it, and its rated power (its profile's, or the
/// market's default for its kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub info: Option<DeviceInfo>,
    pub chain_last: Option<MeterState>,
    pub rated_w: u32,
}

/// The later (higher sequence) of a device's last reading stored by the relay and the one
/// accepted on chain: what a new reading is measured against.
pub fn latest(stored: Option<MeterState>, on_chain: Option<MeterState>) -> Option<MeterState> {
    match (stored, on_chain) {
        (Some(stored), Some(chain)) if chain.seq > stored.seq => Some(chain),
        (Some(stored), _) => Some(stored),
        (None, chain) => chain,
    }
}

/// The key a 65-byte recoverable `signature` recovers to over blake2-256 of `preimage`, as
/// the contracts take it (`interfaces::recover_signer`); `None` for a malformed or high-s
/// signature (I-7). As there, the recovery id is 0 to 3 or, Ethereum's way, 27 to 30.
fn recover_key(preimage: &[u8], signature: &[u8; 65]) -> Option<DeviceKey> {
    if !interfaces::is_low_s(signature) {
        return None;
    }
    let digest = smartcity_sdk::blake2_256(preimage);
    let v = signature[64];
    let id = RecoveryId::from_i32(i32::from(if v > 26 { v - 27 } else { v })).ok()?;
    let signature = RecoverableSignature::from_compact(&signature[..64], id).ok()?;
    SECP256K1
        .recover_ecdsa(&Message::from_digest(digest), &signature)
        .ok()
        .map(|key| key.serialize())
}

/// The key the reading's signature recovers to for `market`.
pub fn recover(market: &Deployment, signed: &SignedReading) -> Option<DeviceKey> {
    recover_key(
        &reading_digest_preimage(market, &signed.reading),
        &signed.signature,
    )
}

/// The market's rules for one reading, but its sequence and registers: `device` and
/// `vehicle` as the registry answers (`vehicle`: the record of the vehicle its V2G session
/// names). The device and vehicle rules are the market's own functions
/// (`interfaces::market`); the signatures are recovered as `ecdsa_recover` does. That the
/// session starts at the charger's previous reading is left to the market. `now_ms` is
/// the relay's clock; a reading may be up to `skew_ms` ahead of it (meters' clocks drift;
/// the submitter waits for the chain's clock to pass it).
pub fn evaluate(
    market: &Deployment,
    signed: &SignedReading,
    device: Option<&DeviceInfo>,
    vehicle: Option<&DeviceInfo>,
    now_ms: u64,
    skew_ms: u64,
) -> Result<(), RejectReason> {
    let reading = &signed.reading;
    check_device(reading, device, now_ms.saturating_add(skew_ms))?;
    let device = device.ok_or(RejectReason::UnknownDevice)?;
    if recover(market, signed) != Some(device.key) {
        return Err(RejectReason::BadSignature);
    }
    if let Some(session) = &reading.vehicle {
        session_owner(device, session, vehicle, Some(session.plugged_in_ms))?;
        let preimage = session_preimage(
            market,
            &reading.device,
            &session.vehicle,
            session.plugged_in_ms,
            reading.at_ms,
        );
        if recover_key(&preimage.encode(), &session.signature) != vehicle.map(|car| car.key) {
            return Err(RejectReason::BadVehicleSignature);
        }
    }
    Ok(())
}

/// Asks the chain about devices (the chain thread answers); `Err` when it cannot.
pub type Lookup = Arc<
    dyn Fn(Vec<DeviceId>) -> Pin<Box<dyn Future<Output = Result<Vec<DeviceRecord>, String>> + Send>>
        + Send
        + Sync,
>;

/// Device records from the registry, cached: a known device for `ttl`, an unknown one for
/// a tenth of it (so a newly registered meter is seen soon). At most `capacity` entries;
/// when full, expired entries go first, then everything. A known device read in the last
/// quarter of its `ttl` is asked again in the background while its entry still serves, so
/// a steady stream of readings never waits for its device's lookup.
pub struct DeviceCache {
    lookup: Lookup,
    ttl: Duration,
    capacity: usize,
    entries: Arc<Mutex<HashMap<DeviceId, (DeviceRecord, Instant)>>>,
    /// The devices a background refresh is asking about.
    refreshing: Arc<Mutex<std::collections::HashSet<DeviceId>>>,
    /// One lookup at a time: requests that miss together wait for the first one's answer
    /// instead of each asking the chain (a flood of readings after the entries expired
    /// would otherwise queue a lookup per reading).
    fetching: tokio::sync::Mutex<()>,
}

impl DeviceCache {
    pub fn new(lookup: Lookup, ttl: Duration, capacity: usize) -> Self {
        Self {
            lookup,
            ttl,
            capacity,
            entries: Arc::default(),
            refreshing: Arc::default(),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    fn fresh(&self, record: &DeviceRecord, at: Instant, now: Instant) -> bool {
        let ttl = if record.info.is_some() {
            self.ttl
        } else {
            self.ttl / 10
        };
        now.duration_since(at) < ttl
    }

    /// The records of `devices` (in order), from the cache or, for the missing ones, from
    /// one lookup.
    pub async fn get(&self, devices: &[DeviceId]) -> Result<Vec<DeviceRecord>, String> {
        let mut missing = self.missing(devices, Instant::now());
        let _turn = if missing.is_empty() {
            None
        } else {
            let turn = self.fetching.lock().await;
            // another request may have fetched them while this one waited
            missing = self.missing(devices, Instant::now());
            Some(turn)
        };
        let now = Instant::now();
        if !missing.is_empty() {
            let records = (self.lookup)(missing.clone()).await?;
            if records.len() != missing.len() {
                return Err("the chain answered for another number of devices".into());
            }
            let mut entries = self.entries.lock().expect("cache lock");
            if entries.len() + missing.len() > self.capacity {
                entries.retain(|_, (record, at)| self.fresh(record, *at, now));
                if entries.len() + missing.len() > self.capacity {
                    entries.clear();
                }
            }
            for (device, record) in missing.into_iter().zip(records) {
                entries.insert(device, (record, now));
            }
        }
        let records = {
            let entries = self.entries.lock().expect("cache lock");
            devices
                .iter()
                .map(|d| {
                    entries
                        .get(d)
                        .map(|(record, _)| record.clone())
                        .ok_or_else(|| "a device left the cache while it was read".to_string())
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        self.refresh_ahead(devices, now);
        Ok(records)
    }

    /// Asks again, in the background, about the known devices among `devices` whose
    /// entries are in the last quarter of their `ttl` (and not being asked about already);
    /// their entries serve until the answer replaces them. Outside a tokio runtime, or when
    /// the lookup fails, the entries simply expire.
    fn refresh_ahead(&self, devices: &[DeviceId], now: Instant) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let due: Vec<DeviceId> = {
            let entries = self.entries.lock().expect("cache lock");
            let mut refreshing = self.refreshing.lock().expect("refresh lock");
            let mut due = Vec::new();
            for device in devices {
                let ageing = entries.get(device).is_some_and(|(record, at)| {
                    record.info.is_some() && now.duration_since(*at) >= self.ttl * 3 / 4
                });
                if ageing && refreshing.insert(*device) {
                    due.push(*device);
                }
            }
            due
        };
        if due.is_empty() {
            return;
        }
        let (lookup, entries, refreshing) = (
            self.lookup.clone(),
            self.entries.clone(),
            self.refreshing.clone(),
        );
        runtime.spawn(async move {
            let answer = lookup(due.clone()).await;
            if let Ok(records) = answer.as_ref() {
                if records.len() == due.len() {
                    let at = Instant::now();
                    let mut entries = entries.lock().expect("cache lock");
                    for (device, record) in due.iter().zip(records) {
                        // only a device still cached: a full cache may have been cleared
                        if let Some(entry) = entries.get_mut(device) {
                            *entry = (record.clone(), at);
                        }
                    }
                }
            }
            let mut refreshing = refreshing.lock().expect("refresh lock");
            for device in &due {
                refreshing.remove(device);
            }
        });
    }

    /// The distinct devices among `devices` without a fresh entry.
    fn missing(&self, devices: &[DeviceId], now: Instant) -> Vec<DeviceId> {
        let entries = self.entries.lock().expect("cache lock");
        let mut missing: Vec<DeviceId> = Vec::new();
        for device in devices {
            let hit = entries
                .get(device)
                .is_some_and(|(record, at)| self.fresh(record, *at, now));
            if !hit && !missing.contains(device) {
                missing.push(*device);
            }
        }
        missing
    }

    /// Forgets everything (a device's key or status changed on chain).
    pub fn clear(&self) {
        self.entries.lock().expect("cache lock").clear();
    }
}

/// A reading that passed every check but the sequence and registers, with the last
/// reading the chain had accepted from its device when the registry was asked and the
/// device's rated power.
#[derive(Debug, Clone)]
pub struct Checked {
    pub signed: SignedReading,
    pub chain_last: Option<MeterState>,
    pub rated_w: u32,
}

/// Checks a request's readings: one cache lookup for all their devices and vehicles, then
/// the rules for each. The first failing reading refuses the whole request.
pub async fn check_all(
    cache: &DeviceCache,
    market: &Deployment,
    readings: Vec<SignedReading>,
    now_ms: u64,
    skew_ms: u64,
) -> Result<Vec<Checked>, crate::error::IngestError> {
    use crate::error::IngestError;
    let mut ids: Vec<DeviceId> = Vec::new();
    for signed in &readings {
        let vehicle = signed
            .reading
            .vehicle
            .as_ref()
            .map(|session| session.vehicle);
        for id in std::iter::once(signed.reading.device).chain(vehicle) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let records = cache.get(&ids).await.map_err(IngestError::Unavailable)?;
    let record_of = |id: &DeviceId| &records[ids.iter().position(|d| d == id).expect("looked up")];
    let mut checked = Vec::with_capacity(readings.len());
    for (index, signed) in readings.into_iter().enumerate() {
        let device = record_of(&signed.reading.device);
        let vehicle = signed
            .reading
            .vehicle
            .as_ref()
            .and_then(|session| record_of(&session.vehicle).info.as_ref());
        evaluate(
            market,
            &signed,
            device.info.as_ref(),
            vehicle,
            now_ms,
            skew_ms,
        )
        .map_err(|reason| IngestError::Refused { index, reason })?;
        checked.push(Checked {
            chain_last: device.chain_last,
            rated_w: device.rated_w,
            signed,
        });
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use interfaces::AccountId;
    use interfaces::{registry::DeviceStatus, DeviceKind, EnergyProfile, EnergySource};
    use smartcity_sdk::{
        keys::DeviceSigner,
        meter::{co_sign_session, MeterSimulator},
    };
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The market at `[5; 32]` on the chain `[9; 32]`.
    const MARKET: Deployment = Deployment {
        contract: AccountId([5; 32]),
        chain: [9; 32],
    };
    const NOW: u64 = 10_000_000;

    fn meter() -> MeterSimulator {
        MeterSimulator::new(
            [1; 32],
            DeviceSigner::from_seed("m"),
            MARKET,
            EnergySource::Solar,
        )
    }

    fn info(kind: DeviceKind, key: DeviceKey) -> DeviceInfo {
        DeviceInfo {
            device_id: [1; 32],
            owner: [9; 32].into(),
            owner_id: [8; 32],
            kind,
            key,
            metadata_hash: [0; 32],
            status: DeviceStatus::Commissioned,
            active: true,
            energy: match kind {
                DeviceKind::Meter | DeviceKind::EvCharger => Some(EnergyProfile {
                    source: if kind == DeviceKind::Meter {
                        EnergySource::Solar
                    } else {
                        EnergySource::Vehicle
                    },
                    rated_w: 0,
                }),
                _ => None,
            },
            owner_since_ms: 0,
        }
    }

    #[test]
    fn the_markets_rules_are_applied_before_any_fee() {
        let mut m = meter();
        let market = MARKET;
        let good = m.read(NOW, 0, 1_000);
        let device = info(DeviceKind::Meter, m.public_key());
        let eval =
            |s: &SignedReading, d: &DeviceInfo| evaluate(&market, s, Some(d), None, NOW, 60_000);
        assert_eq!(eval(&good, &device), Ok(()));
        assert_eq!(
            evaluate(&market, &good, None, None, NOW, 0),
            Err(RejectReason::UnknownDevice)
        );
        assert_eq!(
            eval(&good, &info(DeviceKind::Vehicle, m.public_key())),
            Err(RejectReason::WrongKind)
        );
        for (status, active, reason) in [
            (DeviceStatus::Pending, true, RejectReason::NotCommissioned),
            (DeviceStatus::Revoked, true, RejectReason::DeviceRevoked),
            (
                DeviceStatus::Commissioned,
                false,
                RejectReason::OwnerInactive,
            ),
        ] {
            let d = DeviceInfo {
                status,
                active,
                ..device.clone()
            };
            assert_eq!(eval(&good, &d), Err(reason));
        }
        // another market's signature, this market's on another chain, a forged one, a
        // tampered reading
        for other in [
            Deployment {
                contract: AccountId::from([6; 32]),
                ..MARKET
            },
            Deployment {
                chain: [8; 32],
                ..MARKET
            },
        ] {
            let verdict = evaluate(&other, &good, Some(&device), None, NOW, 0);
            assert_eq!(verdict, Err(RejectReason::BadSignature));
        }
        let mut forged = good.clone();
        forged.signature[10] ^= 1;
        assert_eq!(eval(&forged, &device), Err(RejectReason::BadSignature));
        let mut tampered = good.clone();
        tampered.reading.export_wh_total += 1;
        assert_eq!(eval(&tampered, &device), Err(RejectReason::BadSignature));
        let mut bad_v = good.clone();
        bad_v.signature[64] = 7;
        assert_eq!(eval(&bad_v, &device), Err(RejectReason::BadSignature));
        // the recovery id written Ethereum's way (27 + v), which the chain also takes
        let mut ethereum_v = good.clone();
        ethereum_v.signature[64] += 27;
        assert_eq!(eval(&ethereum_v, &device), Ok(()));
        ethereum_v.signature[64] ^= 1;
        assert_eq!(eval(&ethereum_v, &device), Err(RejectReason::BadSignature));
        // I-7: the signature's malleable high-s twin recovers to the same key; refused
        let mut twin = good.clone();
        twin.signature = smartcity_sdk::keys::malleable_twin(&good.signature);
        assert_eq!(eval(&twin, &device), Err(RejectReason::BadSignature));
        // a device commissioned without a profile; a reading beyond the allowed skew
        let unprofiled = DeviceInfo {
            energy: None,
            ..device.clone()
        };
        assert_eq!(eval(&good, &unprofiled), Err(RejectReason::NoEnergyProfile));
        let ahead = m.read(NOW + 60_001, 0, 1);
        assert_eq!(eval(&ahead, &device), Err(RejectReason::InFuture));
        let within = m.read(NOW + 60_000, 0, 1);
        assert_eq!(eval(&within, &device), Ok(()));
    }

    #[test]
    fn v2g_sessions_need_a_charger_an_active_vehicle_and_its_co_signature() {
        let mut m = meter();
        let market = MARKET;
        let car_key = DeviceSigner::from_seed("car");
        let session = co_sign_session(&car_key, &market, &m.device, [2; 32], NOW - 1, NOW);
        let reading = m.read_session(NOW, 0, 1, session);
        let charger = info(DeviceKind::EvCharger, m.public_key());
        let car = DeviceInfo {
            device_id: [2; 32],
            ..info(DeviceKind::Vehicle, car_key.public_key())
        };
        let eval = |d: &DeviceInfo, v: Option<&DeviceInfo>| {
            evaluate(&market, &reading, Some(d), v, NOW, 0)
        };
        assert_eq!(eval(&charger, Some(&car)), Ok(()));
        assert_eq!(
            eval(&info(DeviceKind::Meter, m.public_key()), Some(&car)),
            Err(RejectReason::VehicleNotAtCharger)
        );
        assert_eq!(eval(&charger, None), Err(RejectReason::UnknownVehicle));
        assert_eq!(
            eval(&charger, Some(&charger)),
            Err(RejectReason::NotAVehicle)
        );
        let parked = DeviceInfo {
            active: false,
            ..car.clone()
        };
        assert_eq!(
            eval(&charger, Some(&parked)),
            Err(RejectReason::VehicleInactive)
        );
        let impostor = DeviceInfo {
            key: [3; 33],
            ..car
        };
        assert_eq!(
            eval(&charger, Some(&impostor)),
            Err(RejectReason::BadVehicleSignature)
        );
    }

    /// A lookup that counts the ids it is asked about; devices whose id starts with 1 are
    /// registered meters, the others unknown.
    fn counting_lookup() -> (Lookup, Arc<AtomicUsize>) {
        let asked = Arc::new(AtomicUsize::new(0));
        let counter = asked.clone();
        let lookup: Lookup = Arc::new(move |ids: Vec<DeviceId>| {
            counter.fetch_add(ids.len(), Ordering::SeqCst);
            Box::pin(async move {
                Ok(ids
                    .iter()
                    .map(|id| DeviceRecord {
                        info: (id[0] == 1).then(|| info(DeviceKind::Meter, [2; 33])),
                        chain_last: None,
                        rated_w: 1_000,
                    })
                    .collect())
            })
        });
        (lookup, asked)
    }

    #[tokio::test]
    async fn the_cache_asks_the_chain_once_per_device_until_it_expires() {
        let (lookup, asked) = counting_lookup();
        let cache = DeviceCache::new(lookup, Duration::from_millis(200), 2);
        let known = [1u8; 32];
        let unknown = [0u8; 32];
        let records = cache.get(&[known, unknown, known]).await.unwrap();
        assert_eq!(records.len(), 3);
        assert!(records[0].info.is_some() && records[1].info.is_none());
        assert_eq!(asked.load(Ordering::SeqCst), 2);
        cache.get(&[known]).await.unwrap();
        assert_eq!(asked.load(Ordering::SeqCst), 2, "served from the cache");
        // an unknown device is asked again after a tenth of the ttl
        tokio::time::sleep(Duration::from_millis(25)).await;
        cache.get(&[known, unknown]).await.unwrap();
        assert_eq!(asked.load(Ordering::SeqCst), 3);
        // a third device does not fit: expired entries go, then all
        cache.get(&[[3; 32]]).await.unwrap();
        assert_eq!(asked.load(Ordering::SeqCst), 4);
        tokio::time::sleep(Duration::from_millis(210)).await;
        cache.get(&[known]).await.unwrap();
        assert_eq!(asked.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn a_known_device_read_late_in_its_ttl_is_asked_again_in_the_background() {
        let (lookup, asked) = counting_lookup();
        let cache = DeviceCache::new(lookup, Duration::from_millis(400), 10);
        let meter = [1u8; 32];
        cache.get(&[meter]).await.unwrap();
        // early in the ttl: served, nothing asked
        cache.get(&[meter]).await.unwrap();
        assert_eq!(asked.load(Ordering::SeqCst), 1);
        // in its last quarter: served at once, and asked again behind the reading
        tokio::time::sleep(Duration::from_millis(320)).await;
        cache.get(&[meter]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(asked.load(Ordering::SeqCst), 2);
        // past the first answer's ttl, the refreshed entry still serves: no wait, no ask
        tokio::time::sleep(Duration::from_millis(120)).await;
        cache.get(&[meter]).await.unwrap();
        assert_eq!(asked.load(Ordering::SeqCst), 2);
    }
}
