//! The parking rental's rules in plain Rust: spaces, bookings and their escrow, what a
//! sensor event does. Each method takes the caller and the time explicitly; what needs
//! the chain (the registry's records, the recovered signer, the token's payments) comes
//! in as arguments or goes out as a [`Settlement`] for the shell to carry out.

use ink::{prelude::vec::Vec, storage::Mapping};
use interfaces::{
    admin::AdminSeat,
    admin_events::{AdminChanged, AdminTransferProposed},
    parking::{
        minutes_started, rent, Booking, BookingState, ParkingConfig, ParkingError, SensorEvent,
        SensorKind, SensorOutcome, Session, Space, SpaceTerms, Violation, ViolationKind,
        MAX_OPEN_BOOKINGS, MAX_PAGE,
    },
    AccountId, DeviceId, DeviceInfo, DeviceKey, DeviceKind, DeviceStatus, TimestampMs,
};

/// Payments the shell makes after a state change, in order. Releases come out of the
/// contract's own balance (escrow, or what it just collected); a collection is taken from
/// `from`'s allowance to this contract and, when that fails, recorded as `from`'s debt.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub collect: Option<Collect>,
    pub releases: Vec<(AccountId, u128)>,
}

/// A charge beyond the escrow (overstay, pay-as-you-go): the owner gets `amount` less the
/// platform fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collect {
    pub from: AccountId,
    pub amount: u128,
    pub owner: AccountId,
    pub space: u64,
}

/// What the registry says about a booking's renter: an active citizen, and the named
/// vehicle's record.
#[derive(Debug, Clone, Copy)]
pub struct RenterCheck<'a> {
    pub active: bool,
    pub vehicle: Option<&'a DeviceInfo>,
}

/// What a delisting did: bookings refunded, ended bookings settled, and the payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delisting {
    pub refunded: u32,
    pub settled: Vec<(u64, Payout)>,
    pub settlement: Settlement,
}

/// A booking settled into the owner's and the platform's payouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payout {
    pub to_owner: u128,
    pub fee: u128,
}

#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
pub struct Parking {
    admin: AdminSeat,
    paused: bool,
    config: ParkingConfig,
    spaces: Mapping<u64, Space>,
    next_space: u64,
    space_of_sensor: Mapping<DeviceId, u64>,
    /// Each sensor's last accepted (sequence, event time).
    sensor_last: Mapping<DeviceId, (u64, TimestampMs)>,
    bookings: Mapping<u64, Booking>,
    next_booking: u64,
    /// Per space, the ids of its bookings neither settled nor cancelled (at most
    /// `MAX_OPEN_BOOKINGS`).
    open_bookings: Mapping<u64, Vec<u64>>,
    renter_bookings: Mapping<(AccountId, u32), u64>,
    renter_booking_count: Mapping<AccountId, u32>,
    violations: Mapping<(u64, u32), Violation>,
    violation_count: Mapping<u64, u32>,
    debts: Mapping<AccountId, u128>,
    /// What the contract holds for open bookings: its token balance, always.
    escrow_total: u128,
}

impl Parking {
    pub fn new(admin: AccountId, config: ParkingConfig) -> Result<Self, ParkingError> {
        config.validate()?;
        Ok(Self {
            admin: AdminSeat::new(admin),
            paused: false,
            config,
            spaces: Mapping::default(),
            next_space: 0,
            space_of_sensor: Mapping::default(),
            sensor_last: Mapping::default(),
            bookings: Mapping::default(),
            next_booking: 0,
            open_bookings: Mapping::default(),
            renter_bookings: Mapping::default(),
            renter_booking_count: Mapping::default(),
            violations: Mapping::default(),
            violation_count: Mapping::default(),
            debts: Mapping::default(),
            escrow_total: 0,
        })
    }

    // ----- admin ---------------------------------------------------------------------------

    pub fn admin(&self) -> AccountId {
        self.admin.admin()
    }

    pub fn config(&self) -> ParkingConfig {
        self.config
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    pub fn set_config(
        &mut self,
        caller: AccountId,
        config: ParkingConfig,
    ) -> Result<(), ParkingError> {
        self.admin.ensure_admin(caller)?;
        config.validate()?;
        self.config = config;
        Ok(())
    }

    pub fn set_paused(&mut self, caller: AccountId, paused: bool) -> Result<(), ParkingError> {
        self.admin.ensure_admin(caller)?;
        if self.paused == paused {
            return Err(ParkingError::PauseUnchanged);
        }
        self.paused = paused;
        Ok(())
    }

    pub fn propose_admin(
        &mut self,
        caller: AccountId,
        proposed: AccountId,
    ) -> Result<AdminTransferProposed, ParkingError> {
        Ok(self.admin.propose(caller, proposed)?)
    }

    pub fn accept_admin(&mut self, caller: AccountId) -> Result<AdminChanged, ParkingError> {
        Ok(self.admin.accept(caller)?)
    }

    fn ensure_running(&self) -> Result<(), ParkingError> {
        if self.paused {
            Err(ParkingError::Paused)
        } else {
            Ok(())
        }
    }

    // ----- spaces --------------------------------------------------------------------------

    /// The caller lists a space watched by `sensor`, a commissioned, active ParkingSensor
    /// it owns (`sensor_info` is the registry's record). Returns the space id.
    pub fn list_space(
        &mut self,
        caller: AccountId,
        sensor: DeviceId,
        sensor_info: Option<&DeviceInfo>,
        terms: SpaceTerms,
    ) -> Result<u64, ParkingError> {
        self.ensure_running()?;
        terms.validate()?;
        if !sensor_info.is_some_and(|s| usable_sensor(s, caller)) {
            return Err(ParkingError::SensorNotUsable);
        }
        if self.space_of_sensor.contains(sensor) {
            return Err(ParkingError::SensorInUse);
        }
        let id = self.next_space;
        self.next_space = id.saturating_add(1);
        self.spaces.insert(
            id,
            &Space {
                owner: caller,
                sensor,
                terms,
                listed: true,
                session: None,
            },
        );
        self.space_of_sensor.insert(sensor, &id);
        Ok(id)
    }

    pub fn space(&self, id: u64) -> Option<Space> {
        self.spaces.get(id)
    }

    pub fn space_of_sensor(&self, sensor: DeviceId) -> Option<u64> {
        self.space_of_sensor.get(sensor)
    }

    fn owned_space(&self, caller: AccountId, id: u64) -> Result<Space, ParkingError> {
        let space = self.spaces.get(id).ok_or(ParkingError::SpaceNotFound)?;
        if space.owner != caller {
            return Err(ParkingError::NotSpaceOwner);
        }
        Ok(space)
    }

    /// The owner changes price, durations, windows or location; bookings made keep
    /// their interval and escrow.
    pub fn set_terms(
        &mut self,
        caller: AccountId,
        id: u64,
        terms: SpaceTerms,
    ) -> Result<(), ParkingError> {
        terms.validate()?;
        let mut space = self.owned_space(caller, id)?;
        space.terms = terms;
        self.spaces.insert(id, &space);
        Ok(())
    }

    /// The owner takes a space off the market. Ended bookings are settled to the owner;
    /// bookings still to come are refunded in full when `refund`, else refused
    /// (`HasBookings`).
    pub fn delist(
        &mut self,
        caller: AccountId,
        id: u64,
        refund: bool,
        now: TimestampMs,
    ) -> Result<Delisting, ParkingError> {
        let mut space = self.owned_space(caller, id)?;
        if !space.listed {
            return Err(ParkingError::NotListed);
        }
        if space.session.is_some() {
            return Err(ParkingError::SpaceOccupied);
        }
        let open = self.open_bookings.get(id).unwrap_or_default();
        if !refund
            && open
                .iter()
                .filter_map(|&b| self.bookings.get(b))
                .any(|b| b.end_ms > now)
        {
            return Err(ParkingError::HasBookings);
        }
        let mut settlement = Settlement::default();
        let mut settled = Vec::new();
        let mut refunded = 0u32;
        for booking_id in open {
            let Some(mut booking) = self.bookings.get(booking_id) else {
                continue;
            };
            if booking.end_ms <= now {
                let payout = self.pay_out(&mut booking, space.owner, &mut settlement);
                settled.push((booking_id, payout));
            } else {
                settlement.releases.push((booking.renter, booking.escrow));
                self.escrow_total = self.escrow_total.saturating_sub(booking.escrow);
                booking.state = BookingState::Cancelled;
                refunded = refunded.saturating_add(1);
            }
            self.bookings.insert(booking_id, &booking);
        }
        self.open_bookings.remove(id);
        space.listed = false;
        self.spaces.insert(id, &space);
        Ok(Delisting {
            refunded,
            settled,
            settlement,
        })
    }

    /// The owner lists a delisted space again.
    pub fn relist(&mut self, caller: AccountId, id: u64) -> Result<(), ParkingError> {
        self.ensure_running()?;
        let mut space = self.owned_space(caller, id)?;
        if space.listed {
            return Err(ParkingError::AlreadyListed);
        }
        space.listed = true;
        self.spaces.insert(id, &space);
        Ok(())
    }

    // ----- bookings ------------------------------------------------------------------------

    /// The caller books `[start_ms, end_ms)` of space `id`. Returns the booking id and
    /// the rent the shell must escrow from the caller.
    #[allow(clippy::too_many_arguments)]
    pub fn book(
        &mut self,
        caller: AccountId,
        renter: RenterCheck,
        id: u64,
        vehicle: Option<DeviceId>,
        start_ms: TimestampMs,
        end_ms: TimestampMs,
        now: TimestampMs,
    ) -> Result<(u64, u128), ParkingError> {
        self.ensure_running()?;
        let space = self.spaces.get(id).ok_or(ParkingError::SpaceNotFound)?;
        if !space.listed {
            return Err(ParkingError::NotListed);
        }
        if !renter.active {
            return Err(ParkingError::NotACitizen);
        }
        if vehicle.is_some()
            && !renter
                .vehicle
                .is_some_and(|v| usable_vehicle(v, Some(caller)))
        {
            return Err(ParkingError::VehicleNotUsable);
        }
        if end_ms <= start_ms || start_ms < now {
            return Err(ParkingError::BadInterval);
        }
        let minutes = minutes_started(end_ms.saturating_sub(start_ms));
        let terms = &space.terms;
        if minutes < u64::from(terms.min_minutes) || minutes > u64::from(terms.max_minutes) {
            return Err(ParkingError::DurationOutOfRange);
        }
        if !terms.available(start_ms, end_ms) {
            return Err(ParkingError::OutsideAvailability);
        }
        let mut open = self.open_bookings.get(id).unwrap_or_default();
        for other in &open {
            if let Some(b) = self.bookings.get(other) {
                if b.start_ms < end_ms && start_ms < b.end_ms {
                    return Err(ParkingError::Overlap);
                }
            }
        }
        if open.len() >= MAX_OPEN_BOOKINGS as usize {
            return Err(ParkingError::TooManyOpenBookings);
        }
        let escrow = terms.rent(start_ms, end_ms);
        let booking_id = self.next_booking;
        self.next_booking = booking_id.saturating_add(1);
        self.bookings.insert(
            booking_id,
            &Booking {
                space: id,
                renter: caller,
                vehicle,
                start_ms,
                end_ms,
                escrow,
                state: BookingState::Booked,
            },
        );
        open.push(booking_id);
        self.open_bookings.insert(id, &open);
        let count = self.renter_booking_count.get(caller).unwrap_or(0);
        self.renter_bookings.insert((caller, count), &booking_id);
        self.renter_booking_count
            .insert(caller, &count.saturating_add(1));
        self.escrow_total = self.escrow_total.saturating_add(escrow);
        Ok((booking_id, escrow))
    }

    pub fn booking(&self, id: u64) -> Option<Booking> {
        self.bookings.get(id)
    }

    /// The renter cancels before the start: the escrow back, less the late-cancel fee
    /// (to the owner) inside the cut-off window. Returns (refund, fee) and the payments.
    pub fn cancel(
        &mut self,
        caller: AccountId,
        booking_id: u64,
        now: TimestampMs,
    ) -> Result<(u128, u128, Settlement), ParkingError> {
        let mut booking = self
            .bookings
            .get(booking_id)
            .ok_or(ParkingError::BookingNotFound)?;
        if booking.renter != caller {
            return Err(ParkingError::NotRenter);
        }
        match booking.state {
            BookingState::Booked if now < booking.start_ms => {}
            BookingState::Booked | BookingState::CheckedIn => {
                return Err(ParkingError::TooLateToCancel)
            }
            BookingState::Settled | BookingState::Cancelled => {
                return Err(ParkingError::BookingClosed)
            }
        }
        let late = now
            >= booking
                .start_ms
                .saturating_sub(self.config.cancel_cutoff_ms);
        let fee = if late {
            ParkingConfig::share(booking.escrow, self.config.late_cancel_fee_bps)
        } else {
            0
        };
        let refund = booking.escrow.saturating_sub(fee);
        let owner = self
            .spaces
            .get(booking.space)
            .ok_or(ParkingError::SpaceNotFound)?
            .owner;
        booking.state = BookingState::Cancelled;
        self.bookings.insert(booking_id, &booking);
        self.close_open(booking.space, booking_id);
        self.escrow_total = self.escrow_total.saturating_sub(booking.escrow);
        let mut settlement = Settlement::default();
        settlement.releases.push((caller, refund));
        settlement.releases.push((owner, fee));
        Ok((refund, fee, settlement))
    }

    /// Anyone settles a booking whose vehicle never came, after its end: the escrow to
    /// the owner less the platform fee (unused time is not refunded).
    pub fn settle(
        &mut self,
        booking_id: u64,
        now: TimestampMs,
    ) -> Result<(Payout, Settlement), ParkingError> {
        let mut booking = self
            .bookings
            .get(booking_id)
            .ok_or(ParkingError::BookingNotFound)?;
        match booking.state {
            BookingState::Booked if now >= booking.end_ms => {}
            BookingState::Booked => return Err(ParkingError::NotEnded),
            // settled at check-out, overstay included
            BookingState::CheckedIn => return Err(ParkingError::SpaceOccupied),
            BookingState::Settled | BookingState::Cancelled => {
                return Err(ParkingError::BookingClosed)
            }
        }
        let owner = self
            .spaces
            .get(booking.space)
            .ok_or(ParkingError::SpaceNotFound)?
            .owner;
        let mut settlement = Settlement::default();
        let payout = self.pay_out(&mut booking, owner, &mut settlement);
        self.bookings.insert(booking_id, &booking);
        self.close_open(booking.space, booking_id);
        Ok((payout, settlement))
    }

    /// Marks `booking` settled and releases its escrow to `owner` less the platform fee.
    /// The caller writes the booking back and takes it off the open list.
    fn pay_out(
        &mut self,
        booking: &mut Booking,
        owner: AccountId,
        settlement: &mut Settlement,
    ) -> Payout {
        let fee = ParkingConfig::share(booking.escrow, self.config.platform_fee_bps);
        let to_owner = booking.escrow.saturating_sub(fee);
        settlement.releases.push((owner, to_owner));
        settlement.releases.push((self.config.fee_account, fee));
        self.escrow_total = self.escrow_total.saturating_sub(booking.escrow);
        booking.state = BookingState::Settled;
        Payout { to_owner, fee }
    }

    fn close_open(&mut self, space: u64, booking_id: u64) {
        let mut open = self.open_bookings.get(space).unwrap_or_default();
        open.retain(|&id| id != booking_id);
        self.open_bookings.insert(space, &open);
    }

    /// The platform fee of a collected charge, and the owner's part.
    pub fn split(&self, amount: u128) -> Payout {
        let fee = ParkingConfig::share(amount, self.config.platform_fee_bps);
        Payout {
            to_owner: amount.saturating_sub(fee),
            fee,
        }
    }

    pub fn escrow_total(&self) -> u128 {
        self.escrow_total
    }

    pub fn debt(&self, account: AccountId) -> u128 {
        self.debts.get(account).unwrap_or(0)
    }

    /// Adds `amount` to `account`'s debt; returns the new total.
    pub fn add_debt(&mut self, account: AccountId, amount: u128) -> u128 {
        let total = self.debt(account).saturating_add(amount);
        self.debts.insert(account, &total);
        total
    }

    // ----- sensor events -------------------------------------------------------------------

    /// Checks a sensor event before it does anything: the sensor reports for a space, is
    /// still a commissioned, active ParkingSensor of the space's owner, signed this event
    /// (`signer` is the key its signature recovers to), and the sequence and time move
    /// forward. Returns the space id.
    pub fn authenticate(
        &self,
        event: &SensorEvent,
        sensor_info: Option<&DeviceInfo>,
        signer: Option<DeviceKey>,
        now: TimestampMs,
    ) -> Result<u64, ParkingError> {
        let id = self
            .space_of_sensor
            .get(event.sensor)
            .ok_or(ParkingError::UnknownSensor)?;
        let space = self.spaces.get(id).ok_or(ParkingError::UnknownSensor)?;
        let sensor = sensor_info
            .filter(|s| usable_sensor(s, space.owner))
            .ok_or(ParkingError::SensorInactive)?;
        if signer != Some(sensor.key) {
            return Err(ParkingError::BadSignature);
        }
        let (last_seq, last_at) = self.sensor_last.get(event.sensor).unwrap_or((0, 0));
        if event.seq <= last_seq {
            return Err(ParkingError::StaleSeq);
        }
        if event.at_ms > now || event.at_ms < last_at {
            return Err(ParkingError::BadEventTime);
        }
        Ok(id)
    }

    /// What an authenticated sensor event does to space `id` (`vehicle_info` is the
    /// registry's record of the vehicle the sensor saw). Returns the outcome, the event
    /// data the shell emits, and the payments.
    pub fn sensor_event(
        &mut self,
        id: u64,
        event: &SensorEvent,
        vehicle_info: Option<&DeviceInfo>,
    ) -> Result<(SensorOutcome, SensorEffect, Settlement), ParkingError> {
        let mut space = self.spaces.get(id).ok_or(ParkingError::UnknownSensor)?;
        self.sensor_last
            .insert(event.sensor, &(event.seq, event.at_ms));
        let at = event.at_ms;
        let mut settlement = Settlement::default();
        let (outcome, effect) = match event.kind {
            SensorKind::Arrived => {
                if space.session.is_some() {
                    return Err(ParkingError::SpaceOccupied);
                }
                let registered = vehicle_info.filter(|v| usable_vehicle(v, None));
                let current = self.booking_at(id, at);
                let renters = current.is_some_and(|(_, booking)| {
                    booking.vehicle == Some(event.vehicle)
                        || (booking.vehicle.is_none()
                            && registered.is_some_and(|v| v.owner == booking.renter))
                });
                match (current, registered) {
                    (Some((booking_id, mut booking)), _) if renters => {
                        booking.state = BookingState::CheckedIn;
                        self.bookings.insert(booking_id, &booking);
                        space.session = Some(Session {
                            vehicle: event.vehicle,
                            payer: booking.renter,
                            since_ms: at,
                            booking: Some(booking_id),
                        });
                        (
                            SensorOutcome::CheckedIn {
                                booking: booking_id,
                            },
                            SensorEffect::CheckedIn {
                                booking: booking_id,
                            },
                        )
                    }
                    // nobody to bill, booking or not
                    (_, None) => self.violation(id, &space, event, ViolationKind::UnknownVehicle),
                    (Some((booking_id, _)), Some(_)) => self.violation(
                        id,
                        &space,
                        event,
                        ViolationKind::SomeoneElsesBooking(booking_id),
                    ),
                    (None, Some(vehicle)) => {
                        space.session = Some(Session {
                            vehicle: event.vehicle,
                            payer: vehicle.owner,
                            since_ms: at,
                            booking: None,
                        });
                        (
                            SensorOutcome::SessionOpened {
                                payer: vehicle.owner,
                            },
                            SensorEffect::SessionOpened {
                                payer: vehicle.owner,
                            },
                        )
                    }
                }
            }
            SensorKind::Left => match space.session {
                None => (SensorOutcome::NothingToClose, SensorEffect::None),
                Some(session) if session.vehicle != event.vehicle => {
                    return Err(ParkingError::VehicleMismatch)
                }
                Some(session) => {
                    space.session = None;
                    match session.booking {
                        Some(booking_id) => {
                            let mut booking = self
                                .bookings
                                .get(booking_id)
                                .ok_or(ParkingError::BookingNotFound)?;
                            let overstay = if at > booking.end_ms {
                                rent(
                                    space.terms.price_per_hour,
                                    at.saturating_sub(booking.end_ms),
                                )
                            } else {
                                0
                            };
                            let payout = self.pay_out(&mut booking, space.owner, &mut settlement);
                            self.bookings.insert(booking_id, &booking);
                            self.close_open(id, booking_id);
                            if overstay > 0 {
                                settlement.collect = Some(Collect {
                                    from: session.payer,
                                    amount: overstay,
                                    owner: space.owner,
                                    space: id,
                                });
                            }
                            (
                                SensorOutcome::CheckedOut {
                                    booking: booking_id,
                                    overstay,
                                },
                                SensorEffect::Settled {
                                    booking: booking_id,
                                    payout,
                                    overstay,
                                },
                            )
                        }
                        None => {
                            let duration = at.saturating_sub(session.since_ms);
                            let charged = rent(space.terms.price_per_hour, duration);
                            if charged > 0 {
                                settlement.collect = Some(Collect {
                                    from: session.payer,
                                    amount: charged,
                                    owner: space.owner,
                                    space: id,
                                });
                            }
                            (
                                SensorOutcome::SessionClosed { charged },
                                SensorEffect::SessionClosed {
                                    vehicle: session.vehicle,
                                    minutes: minutes_started(duration),
                                    charged,
                                },
                            )
                        }
                    }
                }
            },
        };
        self.spaces.insert(id, &space);
        Ok((outcome, effect, settlement))
    }

    /// The booking of space `id` whose interval holds `at`, if any.
    fn booking_at(&self, id: u64, at: TimestampMs) -> Option<(u64, Booking)> {
        self.open_bookings
            .get(id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|b| self.bookings.get(b).map(|booking| (b, booking)))
            .find(|(_, b)| b.state == BookingState::Booked && b.start_ms <= at && at < b.end_ms)
    }

    fn violation(
        &mut self,
        id: u64,
        space: &Space,
        event: &SensorEvent,
        kind: ViolationKind,
    ) -> (SensorOutcome, SensorEffect) {
        let index = self.violation_count.get(id).unwrap_or(0);
        let violation = Violation {
            vehicle: event.vehicle,
            at_ms: event.at_ms,
            kind,
        };
        self.violations.insert((id, index), &violation);
        self.violation_count.insert(id, &index.saturating_add(1));
        (
            SensorOutcome::ViolationRecorded { index },
            SensorEffect::Violation {
                owner: space.owner,
                index,
                violation,
            },
        )
    }

    // ----- paged queries -------------------------------------------------------------------

    /// The renter's bookings from its `from`-th, at most `limit` (`PageTooLarge` above
    /// `MAX_PAGE`), and the total count.
    pub fn renter_bookings(
        &self,
        renter: AccountId,
        from: u32,
        limit: u32,
    ) -> Result<(Vec<(u64, Booking)>, u32), ParkingError> {
        if limit > MAX_PAGE {
            return Err(ParkingError::PageTooLarge);
        }
        let count = self.renter_booking_count.get(renter).unwrap_or(0);
        let end = from.saturating_add(limit).min(count);
        let page = (from..end)
            .filter_map(|i| self.renter_bookings.get((renter, i)))
            .filter_map(|id| self.bookings.get(id).map(|b| (id, b)))
            .collect();
        Ok((page, count))
    }

    /// Listed spaces free for the whole of `[start_ms, end_ms)` (inside availability, no
    /// overlapping booking, duration allowed) among ids `from_id..from_id + limit`, and
    /// the id to ask from next: bounded work per call however many spaces there are.
    pub fn free_spaces(
        &self,
        start_ms: TimestampMs,
        end_ms: TimestampMs,
        from_id: u64,
        limit: u32,
    ) -> Result<(Vec<u64>, u64), ParkingError> {
        if limit > MAX_PAGE {
            return Err(ParkingError::PageTooLarge);
        }
        if end_ms <= start_ms {
            return Err(ParkingError::BadInterval);
        }
        let minutes = minutes_started(end_ms.saturating_sub(start_ms));
        let end_id = from_id
            .saturating_add(u64::from(limit))
            .min(self.next_space);
        let mut free = Vec::new();
        for id in from_id..end_id {
            let Some(space) = self.spaces.get(id) else {
                continue;
            };
            let terms = &space.terms;
            let fits = space.listed
                && minutes >= u64::from(terms.min_minutes)
                && minutes <= u64::from(terms.max_minutes)
                && terms.available(start_ms, end_ms)
                && !self
                    .open_bookings
                    .get(id)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|b| self.bookings.get(b))
                    .any(|b| b.start_ms < end_ms && start_ms < b.end_ms);
            if fits {
                free.push(id);
            }
        }
        Ok((free, end_id.max(from_id)))
    }

    /// Space `id`'s violations from the `from`-th, at most `limit`, and their count.
    pub fn violations(
        &self,
        id: u64,
        from: u32,
        limit: u32,
    ) -> Result<(Vec<Violation>, u32), ParkingError> {
        if limit > MAX_PAGE {
            return Err(ParkingError::PageTooLarge);
        }
        let count = self.violation_count.get(id).unwrap_or(0);
        let end = from.saturating_add(limit).min(count);
        let page = (from..end)
            .filter_map(|i| self.violations.get((id, i)))
            .collect();
        Ok((page, count))
    }
}

/// What a sensor event changed, for the shell's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorEffect {
    None,
    CheckedIn {
        booking: u64,
    },
    SessionOpened {
        payer: AccountId,
    },
    Violation {
        owner: AccountId,
        index: u32,
        violation: Violation,
    },
    Settled {
        booking: u64,
        payout: Payout,
        overstay: u128,
    },
    SessionClosed {
        vehicle: DeviceId,
        minutes: u64,
        charged: u128,
    },
}

/// A commissioned ParkingSensor whose owner (an active citizen) is `owner`.
fn usable_sensor(sensor: &DeviceInfo, owner: AccountId) -> bool {
    sensor.kind == DeviceKind::ParkingSensor
        && sensor.status == DeviceStatus::Commissioned
        && sensor.active
        && sensor.owner == owner
}

/// A commissioned Vehicle of an active citizen (of `owner`, when given).
fn usable_vehicle(vehicle: &DeviceInfo, owner: Option<AccountId>) -> bool {
    vehicle.kind == DeviceKind::Vehicle
        && vehicle.status == DeviceStatus::Commissioned
        && vehicle.active
        && owner.is_none_or(|o| vehicle.owner == o)
}

// `#[ink::test]` only because `Mapping` needs ink!'s off-chain storage engine.
#[cfg(test)]
mod tests {
    use super::*;
    use interfaces::parking::{Availability, SpaceTerms};

    const MINUTE: u64 = 60_000;
    const HOUR: u64 = 60 * MINUTE;
    /// Midnight UTC of some day.
    const DAY: u64 = 20_000 * 24 * HOUR;

    fn account(n: u8) -> AccountId {
        AccountId::from([n; 32])
    }

    fn device(id: u8, kind: DeviceKind, owner: u8) -> DeviceInfo {
        DeviceInfo {
            device_id: [id; 32],
            owner: account(owner),
            owner_id: [owner; 32],
            kind,
            key: [id; 33],
            metadata_hash: [0; 32],
            status: DeviceStatus::Commissioned,
            active: true,
        }
    }

    fn terms() -> SpaceTerms {
        SpaceTerms {
            geohash: b"tdr1v9q5".to_vec(),
            // 1.2 credits an hour: 20,000 micro-credits a minute
            price_per_hour: 1_200_000,
            min_minutes: 30,
            max_minutes: 8 * 60,
            // 08:00 to 18:00 UTC
            windows: ink::prelude::vec![Availability {
                start_minute: 8 * 60,
                end_minute: 18 * 60
            }],
        }
    }

    fn config() -> ParkingConfig {
        ParkingConfig {
            platform_fee_bps: 500,
            fee_account: account(99),
            late_cancel_fee_bps: 2_000,
            cancel_cutoff_ms: HOUR,
        }
    }

    /// Space 0 of owner 1 watched by sensor 10.
    fn parking() -> Parking {
        let mut parking = Parking::new(account(0), config()).unwrap();
        let sensor = device(10, DeviceKind::ParkingSensor, 1);
        parking
            .list_space(account(1), [10; 32], Some(&sensor), terms())
            .unwrap();
        parking
    }

    fn citizen() -> RenterCheck<'static> {
        RenterCheck {
            active: true,
            vehicle: None,
        }
    }

    fn event(seq: u64, at_ms: u64, kind: SensorKind, vehicle: u8) -> SensorEvent {
        SensorEvent {
            sensor: [10; 32],
            seq,
            at_ms,
            kind,
            vehicle: [vehicle; 32],
        }
    }

    #[ink::test]
    fn rent_is_per_started_minute_rounded_up() {
        let t = terms();
        assert_eq!(t.rent(0, 30 * MINUTE), 600_000);
        // 30 minutes and one second bill 31 minutes
        assert_eq!(t.rent(0, 30 * MINUTE + 1_000), 620_000);
        // 7 credits an hour over one minute: 116,666.67 rounds up
        assert_eq!(interfaces::parking::rent(7_000_000, MINUTE), 116_667);
    }

    #[ink::test]
    fn listing_needs_an_own_commissioned_sensor_once() {
        let mut parking = parking();
        let other = device(11, DeviceKind::ParkingSensor, 2);
        assert_eq!(
            parking.list_space(account(1), [11; 32], Some(&other), terms()),
            Err(ParkingError::SensorNotUsable)
        );
        let meter = device(12, DeviceKind::Meter, 1);
        assert_eq!(
            parking.list_space(account(1), [12; 32], Some(&meter), terms()),
            Err(ParkingError::SensorNotUsable)
        );
        let sensor = device(10, DeviceKind::ParkingSensor, 1);
        assert_eq!(
            parking.list_space(account(1), [10; 32], Some(&sensor), terms()),
            Err(ParkingError::SensorInUse)
        );
        let mut bad = terms();
        bad.windows.clear();
        assert_eq!(
            parking.list_space(account(1), [13; 32], None, bad),
            Err(ParkingError::InvalidWindowCount)
        );
    }

    #[ink::test]
    fn bookings_stay_inside_availability_without_overlap() {
        let mut parking = parking();
        let now = DAY;
        let nine = DAY + 9 * HOUR;
        let (id, escrow) = parking
            .book(account(2), citizen(), 0, None, nine, nine + HOUR, now)
            .unwrap();
        assert_eq!((id, escrow), (0, 1_200_000));
        let book =
            |p: &mut Parking, start, end| p.book(account(3), citizen(), 0, None, start, end, now);
        assert_eq!(
            book(&mut parking, nine + 30 * MINUTE, nine + 2 * HOUR),
            Err(ParkingError::Overlap)
        );
        assert_eq!(
            book(&mut parking, DAY + 17 * HOUR, DAY + 19 * HOUR),
            Err(ParkingError::OutsideAvailability)
        );
        assert_eq!(
            book(&mut parking, nine + HOUR, nine + HOUR + 10 * MINUTE),
            Err(ParkingError::DurationOutOfRange)
        );
        assert_eq!(
            book(&mut parking, now - HOUR, now),
            Err(ParkingError::BadInterval)
        );
        // back to back is no overlap
        assert_eq!(
            book(&mut parking, nine + HOUR, nine + 2 * HOUR),
            Ok((1, 1_200_000))
        );
        assert_eq!(parking.escrow_total(), 2_400_000);
        assert_eq!(
            parking.free_spaces(nine, nine + HOUR, 0, 10),
            Ok((ink::prelude::vec![], 1))
        );
        assert_eq!(
            parking.free_spaces(nine + 3 * HOUR, nine + 4 * HOUR, 0, 10),
            Ok((ink::prelude::vec![0], 1))
        );
    }

    #[ink::test]
    fn late_cancellation_keeps_a_fee_for_the_owner() {
        let mut parking = parking();
        let nine = DAY + 9 * HOUR;
        parking
            .book(account(2), citizen(), 0, None, nine, nine + HOUR, DAY)
            .unwrap();
        parking
            .book(
                account(2),
                citizen(),
                0,
                None,
                nine + HOUR,
                nine + 2 * HOUR,
                DAY,
            )
            .unwrap();
        assert_eq!(
            parking.cancel(account(3), 0, DAY).unwrap_err(),
            ParkingError::NotRenter
        );
        let (refund, fee, settlement) = parking.cancel(account(2), 0, DAY).unwrap();
        assert_eq!((refund, fee), (1_200_000, 0));
        assert_eq!(
            settlement.releases,
            ink::prelude::vec![(account(2), 1_200_000), (account(1), 0)]
        );
        // 30 minutes before the start: inside the one-hour cut-off, 20 % kept
        let (refund, fee, _) = parking.cancel(account(2), 1, nine + 30 * MINUTE).unwrap();
        assert_eq!((refund, fee), (960_000, 240_000));
        assert_eq!(
            parking.cancel(account(2), 1, DAY).unwrap_err(),
            ParkingError::BookingClosed
        );
        assert_eq!(parking.escrow_total(), 0);
    }

    #[ink::test]
    fn the_booked_vehicle_checks_in_and_out_with_overstay() {
        let mut parking = parking();
        let nine = DAY + 9 * HOUR;
        let car = device(20, DeviceKind::Vehicle, 2);
        let renter = RenterCheck {
            active: true,
            vehicle: Some(&car),
        };
        parking
            .book(
                account(2),
                renter,
                0,
                Some([20; 32]),
                nine,
                nine + HOUR,
                DAY,
            )
            .unwrap();
        let arrived = event(1, nine + MINUTE, SensorKind::Arrived, 20);
        let (outcome, _, _) = parking.sensor_event(0, &arrived, Some(&car)).unwrap();
        assert_eq!(outcome, SensorOutcome::CheckedIn { booking: 0 });
        assert_eq!(
            parking.settle(0, nine + 2 * HOUR).unwrap_err(),
            ParkingError::SpaceOccupied
        );
        // leaves 10 minutes late
        let left = event(2, nine + HOUR + 10 * MINUTE, SensorKind::Left, 20);
        let (outcome, _, settlement) = parking.sensor_event(0, &left, Some(&car)).unwrap();
        assert_eq!(
            outcome,
            SensorOutcome::CheckedOut {
                booking: 0,
                overstay: 200_000
            }
        );
        // 5 % platform fee on the escrow; the overstay is collected from the renter
        assert_eq!(
            settlement.releases,
            ink::prelude::vec![(account(1), 1_140_000), (account(99), 60_000)]
        );
        assert_eq!(
            settlement.collect,
            Some(Collect {
                from: account(2),
                amount: 200_000,
                owner: account(1),
                space: 0
            })
        );
        assert_eq!(parking.booking(0).unwrap().state, BookingState::Settled);
        assert_eq!(parking.escrow_total(), 0);
    }

    #[ink::test]
    fn strangers_and_unknown_vehicles_are_violations_and_walk_ins_pay_as_they_go() {
        let mut parking = parking();
        let nine = DAY + 9 * HOUR;
        let (mine, strangers) = (
            device(20, DeviceKind::Vehicle, 2),
            device(30, DeviceKind::Vehicle, 3),
        );
        parking
            .book(account(2), citizen(), 0, None, nine, nine + HOUR, DAY)
            .unwrap();
        // someone else's car during account 2's booking
        let e = event(1, nine + MINUTE, SensorKind::Arrived, 30);
        let (outcome, _, _) = parking.sensor_event(0, &e, Some(&strangers)).unwrap();
        assert_eq!(outcome, SensorOutcome::ViolationRecorded { index: 0 });
        // an unknown car after the booking
        let e = event(2, nine + 2 * HOUR, SensorKind::Arrived, 40);
        let (outcome, _, _) = parking.sensor_event(0, &e, None).unwrap();
        assert_eq!(outcome, SensorOutcome::ViolationRecorded { index: 1 });
        let e = event(3, nine + 2 * HOUR + MINUTE, SensorKind::Left, 40);
        assert_eq!(
            parking.sensor_event(0, &e, None).unwrap().0,
            SensorOutcome::NothingToClose
        );
        // a registered car without a booking: billed 45 minutes at check-out
        let e = event(4, nine + 3 * HOUR, SensorKind::Arrived, 20);
        assert_eq!(
            parking.sensor_event(0, &e, Some(&mine)).unwrap().0,
            SensorOutcome::SessionOpened { payer: account(2) }
        );
        let e = event(5, nine + 3 * HOUR + 45 * MINUTE, SensorKind::Left, 30);
        assert_eq!(
            parking.sensor_event(0, &e, Some(&strangers)).unwrap_err(),
            ParkingError::VehicleMismatch
        );
        let e = event(5, nine + 3 * HOUR + 45 * MINUTE, SensorKind::Left, 20);
        assert_eq!(
            parking.sensor_event(0, &e, Some(&mine)).unwrap().0,
            SensorOutcome::SessionClosed { charged: 900_000 }
        );
        let (page, count) = parking.violations(0, 0, 10).unwrap();
        assert_eq!(count, 2);
        assert_eq!(page[0].kind, ViolationKind::SomeoneElsesBooking(0));
        assert_eq!(page[1].kind, ViolationKind::UnknownVehicle);
    }

    #[ink::test]
    fn sensor_events_are_authenticated_in_order() {
        let mut parking = parking();
        let sensor = device(10, DeviceKind::ParkingSensor, 1);
        let now = DAY + 10 * HOUR;
        let e = event(1, now - MINUTE, SensorKind::Arrived, 40);
        assert_eq!(
            parking.authenticate(&e, Some(&sensor), Some([9; 33]), now),
            Err(ParkingError::BadSignature)
        );
        assert_eq!(
            parking.authenticate(&e, Some(&sensor), Some(sensor.key), now),
            Ok(0)
        );
        let future = event(1, now + MINUTE, SensorKind::Arrived, 40);
        assert_eq!(
            parking.authenticate(&future, Some(&sensor), Some(sensor.key), now),
            Err(ParkingError::BadEventTime)
        );
        let mut revoked = sensor.clone();
        revoked.status = DeviceStatus::Revoked;
        assert_eq!(
            parking.authenticate(&e, Some(&revoked), Some(sensor.key), now),
            Err(ParkingError::SensorInactive)
        );
        parking.sensor_event(0, &e, None).unwrap();
        assert_eq!(
            parking.authenticate(&e, Some(&sensor), Some(sensor.key), now),
            Err(ParkingError::StaleSeq)
        );
        let mut unknown = e;
        unknown.sensor = [77; 32];
        assert_eq!(
            parking.authenticate(&unknown, Some(&sensor), Some(sensor.key), now),
            Err(ParkingError::UnknownSensor)
        );
    }

    #[ink::test]
    fn delisting_refunds_future_bookings_only_when_asked() {
        let mut parking = parking();
        let nine = DAY + 9 * HOUR;
        parking
            .book(account(2), citizen(), 0, None, nine, nine + HOUR, DAY)
            .unwrap();
        parking
            .book(
                account(3),
                citizen(),
                0,
                None,
                nine + 2 * HOUR,
                nine + 3 * HOUR,
                DAY,
            )
            .unwrap();
        let after_first = nine + HOUR + MINUTE;
        assert_eq!(
            parking
                .delist(account(1), 0, false, after_first)
                .unwrap_err(),
            ParkingError::HasBookings
        );
        assert_eq!(
            parking
                .delist(account(2), 0, true, after_first)
                .unwrap_err(),
            ParkingError::NotSpaceOwner
        );
        let delisting = parking.delist(account(1), 0, true, after_first).unwrap();
        assert_eq!(delisting.refunded, 1);
        // the ended booking settles to the owner, the future one is refunded
        assert_eq!(
            delisting.settlement.releases,
            ink::prelude::vec![
                (account(1), 1_140_000),
                (account(99), 60_000),
                (account(3), 1_200_000)
            ]
        );
        assert_eq!(parking.escrow_total(), 0);
        assert_eq!(
            parking.book(
                account(2),
                citizen(),
                0,
                None,
                nine + 4 * HOUR,
                nine + 5 * HOUR,
                DAY
            ),
            Err(ParkingError::NotListed)
        );
    }
}
