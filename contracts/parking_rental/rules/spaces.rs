//! Spaces: listing, terms, delisting, and the free-space search.

use super::*;

impl Parking {
    // ----- spaces --------------------------------------------------------------------------

    /// The caller lists a space watched by `sensor`, a commissioned, active ParkingSensor
    /// it owns (`sensor_info` is the registry's record). Returns the event (the space id).
    pub fn list_space(
        &mut self,
        caller: AccountId,
        sensor: DeviceId,
        sensor_info: Option<&DeviceInfo>,
        terms: SpaceTerms,
    ) -> Result<SpaceListed, ParkingError> {
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
                terms: terms.clone(),
                listed: true,
                session: None,
            },
        );
        self.space_of_sensor.insert(sensor, &id);
        Ok(SpaceListed {
            space: id,
            owner: caller,
            sensor,
            terms,
        })
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
    ) -> Result<SpaceTermsChanged, ParkingError> {
        terms.validate()?;
        let mut space = self.owned_space(caller, id)?;
        space.terms = terms.clone();
        self.spaces.insert(id, &space);
        Ok(SpaceTermsChanged { space: id, terms })
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
        if open
            .iter()
            .filter_map(|&b| self.bookings.get(b))
            .any(|b| b.state == BookingState::Booked && b.start_ms <= now && now < b.end_ms)
        {
            return Err(ParkingError::BookingInProgress);
        }
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
                settled.push(payout.settled(booking_id, 0));
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
            settled,
            settlement,
            delisted: SpaceDelisted {
                space: id,
                refunded,
            },
        })
    }

    /// The owner binds the space to another commissioned, active ParkingSensor it owns
    /// (M-1: the old one died, was revoked or sold); the old sensor reports for no space
    /// any more. Allowed with a vehicle parked: the new sensor closes its session.
    pub fn rebind_sensor(
        &mut self,
        caller: AccountId,
        id: u64,
        sensor: DeviceId,
        sensor_info: Option<&DeviceInfo>,
    ) -> Result<SensorRebound, ParkingError> {
        let mut space = self.owned_space(caller, id)?;
        if !sensor_info.is_some_and(|s| usable_sensor(s, caller)) {
            return Err(ParkingError::SensorNotUsable);
        }
        if self.space_of_sensor.contains(sensor) {
            return Err(ParkingError::SensorInUse);
        }
        self.space_of_sensor.remove(space.sensor);
        self.space_of_sensor.insert(sensor, &id);
        space.sensor = sensor;
        self.spaces.insert(id, &space);
        Ok(SensorRebound { space: id, sensor })
    }

    /// The owner lists a delisted space again.
    pub fn relist(&mut self, caller: AccountId, id: u64) -> Result<SpaceRelisted, ParkingError> {
        self.ensure_running()?;
        let mut space = self.owned_space(caller, id)?;
        if space.listed {
            return Err(ParkingError::AlreadyListed);
        }
        space.listed = true;
        self.spaces.insert(id, &space);
        Ok(SpaceRelisted { space: id })
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
}
