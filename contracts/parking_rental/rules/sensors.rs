//! Sensor events: authentication, check-in and check-out, sessions, violations.

use super::*;

impl Parking {
    // ----- sensor events -------------------------------------------------------------------

    /// Checks a sensor event before it does anything: the sensor reports for a space, is
    /// still a commissioned, active ParkingSensor of the space's owner, signed this event
    /// (`signer` is the key its signature recovers to), the event is the sensor's next
    /// (M-6: `StaleSeq`, `SequenceGap`) and its time moves forward. Returns the space id.
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
        let last = self.sensor_last.get(event.sensor).unwrap_or((0, 0));
        sequence::follows(last, event.seq, event.at_ms, now)?;
        Ok(id)
    }

    /// The caller (a vehicle's owner) lets `owner`'s spaces bill it at most `cap` for
    /// pay-as-you-go stays from now on, replacing what was left (M-5). Returns the event.
    pub fn set_spending_cap(
        &mut self,
        caller: AccountId,
        owner: AccountId,
        cap: u128,
    ) -> SpendingCapSet {
        self.caps.set(caller, owner, cap)
    }

    /// What `owner`'s spaces may still bill `payer` pay-as-you-go.
    pub fn spending_cap(&self, payer: AccountId, owner: AccountId) -> u128 {
        self.caps.left(payer, owner)
    }

    /// Admin only: sensor `sensor` counts from 1 again, and no event it signed before
    /// `now` is taken (I-2: a sensor whose counter restarted). Returns the event to emit.
    pub fn reset_sensor_sequence(
        &mut self,
        caller: AccountId,
        sensor: DeviceId,
        now: TimestampMs,
    ) -> Result<SensorSequenceReset, ParkingError> {
        self.admin.ensure_admin(caller)?;
        self.sensor_last.insert(sensor, &sequence::reset(now));
        Ok(SensorSequenceReset { sensor, at_ms: now })
    }

    /// What an authenticated sensor event does to space `id` (`vehicle_info` is the
    /// registry's record of the vehicle the sensor saw). The event's sequence is used
    /// whatever it does; one the space contradicts is `Refused` and changes nothing else
    /// (M-6: it must not hold up the sensor's next events). Returns the outcome, the event
    /// data the shell emits, and the payments.
    pub fn sensor_event(
        &mut self,
        id: u64,
        event: &SensorEvent,
        vehicle_info: Option<&DeviceInfo>,
    ) -> Result<(SensorOutcome, SensorEffect, Settlement), ParkingError> {
        self.sensor_last
            .insert(event.sensor, &(event.seq, event.at_ms));
        let refusal = |reason| {
            (
                SensorOutcome::Refused { reason },
                SensorEffect::Refused(SensorEventRefused {
                    space: id,
                    seq: event.seq,
                    reason,
                }),
                Settlement::default(),
            )
        };
        match self.apply_sensor_event(id, event, vehicle_info) {
            Err(error) => SensorRefusal::of(&error).map(refusal).ok_or(error),
            applied => applied,
        }
    }

    /// What a sensor event does to space `id`; an error changes nothing.
    fn apply_sensor_event(
        &mut self,
        id: u64,
        event: &SensorEvent,
        vehicle_info: Option<&DeviceInfo>,
    ) -> Result<(SensorOutcome, SensorEffect, Settlement), ParkingError> {
        let mut space = self.spaces.get(id).ok_or(ParkingError::UnknownSensor)?;
        let at = event.at_ms;
        let mut settlement = Settlement::default();
        let (outcome, effect) = match event.kind {
            SensorKind::Arrived => {
                if space.session.is_some() {
                    return Err(ParkingError::SpaceOccupied);
                }
                let registered = vehicle_info.filter(|v| usable_vehicle(v, None));
                // the renter's own car, registered to the renter now (L-7: not a car the
                // renter has sold since booking)
                let renters = |(booking_id, booking): &(u64, Booking)| {
                    registered.is_some_and(|v| v.owner == booking.renter)
                        && booking.vehicle_tag.is_none_or(|tag| {
                            tag == vehicle_tag(&event.vehicle, TagScope::Booking(*booking_id))
                        })
                };
                // M-10: the stay keeps (and its events carry) a pseudonym of the vehicle
                let stay_tag = vehicle_tag(
                    &event.vehicle,
                    TagScope::Stay {
                        space: id,
                        since_ms: at,
                    },
                );
                let current = self.open_booking(id, |(_, b)| b.start_ms <= at && at < b.end_ms);
                // M-4: a booked car arriving shortly before its booking checks into it
                let early = match current {
                    Some(_) => None,
                    None => self.open_booking(id, |open| {
                        let b = &open.1;
                        at < b.start_ms
                            && b.start_ms.saturating_sub(EARLY_CHECK_IN_MS) <= at
                            && renters(open)
                    }),
                };
                match (current.or(early), registered) {
                    (Some(open), _) if renters(&open) => {
                        let (booking_id, mut booking) = open;
                        booking.state = BookingState::CheckedIn;
                        self.bookings.insert(booking_id, &booking);
                        space.session = Some(Session {
                            vehicle_tag: stay_tag,
                            payer: booking.renter,
                            since_ms: at,
                            booking: Some(booking_id),
                            tariff: booking.tariff,
                            held: 0,
                        });
                        (
                            SensorOutcome::CheckedIn {
                                booking: booking_id,
                            },
                            SensorEffect::CheckedIn(CheckedIn {
                                booking: booking_id,
                                vehicle_tag: stay_tag,
                                at_ms: at,
                            }),
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
                    // L-6: a delisted space opens no pay-as-you-go session
                    (None, Some(_)) if !space.listed => return Err(ParkingError::NotListed),
                    (None, Some(vehicle)) => {
                        let tariff = Tariff::of(&space.terms);
                        // M-5: the car's owner pays only what it let this space's owner
                        // bill it; the longest stay is held on that cap until the car leaves
                        let held = tariff.most();
                        let authorized = self.caps.take(vehicle.owner, space.owner, held).is_ok();
                        if authorized {
                            space.session = Some(Session {
                                vehicle_tag: stay_tag,
                                payer: vehicle.owner,
                                since_ms: at,
                                booking: None,
                                tariff,
                                held,
                            });
                            (
                                SensorOutcome::SessionOpened {
                                    payer: vehicle.owner,
                                },
                                SensorEffect::SessionOpened(SessionOpened {
                                    space: id,
                                    vehicle_tag: stay_tag,
                                    payer: vehicle.owner,
                                    at_ms: at,
                                }),
                            )
                        } else {
                            self.violation(id, &space, event, ViolationKind::NotAuthorized)
                        }
                    }
                }
            }
            SensorKind::Left => match space.session {
                None => (SensorOutcome::NothingToClose, SensorEffect::None),
                Some(session)
                    if session.vehicle_tag
                        != vehicle_tag(
                            &event.vehicle,
                            TagScope::Stay {
                                space: id,
                                since_ms: session.since_ms,
                            },
                        ) =>
                {
                    return Err(ParkingError::VehicleMismatch)
                }
                Some(session) => self.check_out(id, &mut space, session, at, &mut settlement)?,
            },
        };
        self.spaces.insert(id, &space);
        Ok((outcome, effect, settlement))
    }

    /// Closes the session on space `id` as if its vehicle left at `at`: a booking's escrow
    /// settled with the minutes outside it billed at its tariff, or a pay-as-you-go stay
    /// billed at the tariff it began with (H-1), one charge capped.
    fn check_out(
        &mut self,
        id: u64,
        space: &mut Space,
        session: Session,
        at: TimestampMs,
        settlement: &mut Settlement,
    ) -> Result<(SensorOutcome, SensorEffect), ParkingError> {
        space.session = None;
        self.refund_blocked(id, session.since_ms, at, settlement);
        let Some(booking_id) = session.booking else {
            let duration = at.saturating_sub(session.since_ms);
            let charged = session.tariff.charge(duration);
            self.caps.give_back(
                session.payer,
                space.owner,
                session.held.saturating_sub(charged),
            );
            if charged > 0 {
                settlement.collect = Some(Collect {
                    from: session.payer,
                    amount: charged,
                    owner: space.owner,
                    space: id,
                });
            }
            return Ok((
                SensorOutcome::SessionClosed { charged },
                SensorEffect::SessionClosed(SessionClosed {
                    space: id,
                    vehicle_tag: session.vehicle_tag,
                    minutes: minutes_started(duration),
                    charged,
                    fee: self.split(charged).fee,
                }),
            ));
        };
        let mut booking = self
            .bookings
            .get(booking_id)
            .ok_or(ParkingError::BookingNotFound)?;
        let tariff = booking.tariff;
        let early = if session.since_ms < booking.start_ms {
            tariff.charge(booking.start_ms.saturating_sub(session.since_ms))
        } else {
            0
        };
        let late = if at > booking.end_ms {
            tariff.charge(at.saturating_sub(booking.end_ms))
        } else {
            0
        };
        let overstay = early.saturating_add(late);
        let payout = self.pay_out(&mut booking, space.owner, settlement);
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
        Ok((
            SensorOutcome::CheckedOut {
                booking: booking_id,
                overstay,
            },
            SensorEffect::Settled(payout.settled(booking_id, overstay)),
        ))
    }

    /// L-4: every booking of space `id` that starts while another vehicle's stay (from
    /// `since` to `until`) holds the space is refunded in full; its renter could not park.
    /// The stay itself is billed as usual. At most `MAX_OPEN_BOOKINGS` bookings are looked at.
    pub(super) fn refund_blocked(
        &mut self,
        id: u64,
        since: TimestampMs,
        until: TimestampMs,
        settlement: &mut Settlement,
    ) {
        for booking_id in self.open_bookings.get(id).unwrap_or_default() {
            let Some(mut booking) = self.bookings.get(booking_id) else {
                continue;
            };
            if booking.state == BookingState::Booked
                && since <= booking.start_ms
                && booking.start_ms < until
            {
                booking.state = BookingState::Cancelled;
                self.bookings.insert(booking_id, &booking);
                self.close_open(id, booking_id);
                self.escrow_total = self.escrow_total.saturating_sub(booking.escrow);
                settlement.releases.push((booking.renter, booking.escrow));
                settlement.refunded.push(BookingCancelled {
                    booking: booking_id,
                    refund: booking.escrow,
                    fee: 0,
                });
            }
        }
    }

    /// Anyone closes a session its sensor never closed (M-1: a dead sensor, an owner gone):
    /// once `CHECKOUT_GRACE_MS` has passed after a booking's end, or after a
    /// pay-as-you-go stay's longest billable time, the vehicle is taken to have left then.
    /// Returns what the check-out did and the payments, as a `Left` event would.
    pub fn close_overdue(
        &mut self,
        id: u64,
        now: TimestampMs,
    ) -> Result<(SensorOutcome, SensorEffect, Settlement), ParkingError> {
        let mut space = self.spaces.get(id).ok_or(ParkingError::SpaceNotFound)?;
        let session = space.session.ok_or(ParkingError::NoSession)?;
        // when the vehicle is taken to have left, and from when anyone may say so
        let (left_at, due) = match session.booking {
            Some(booking_id) => {
                let end = self
                    .bookings
                    .get(booking_id)
                    .ok_or(ParkingError::BookingNotFound)?
                    .end_ms;
                let left_at = end.saturating_add(CHECKOUT_GRACE_MS);
                (left_at, left_at)
            }
            None => {
                let longest = u64::from(session.tariff.max_minutes).saturating_mul(60_000);
                let left_at = session.since_ms.saturating_add(longest);
                (left_at, left_at.saturating_add(CHECKOUT_GRACE_MS))
            }
        };
        if now < due {
            return Err(ParkingError::NotOverdue);
        }
        let mut settlement = Settlement::default();
        let (outcome, effect) =
            self.check_out(id, &mut space, session, left_at, &mut settlement)?;
        self.spaces.insert(id, &space);
        Ok((outcome, effect, settlement))
    }

    /// The first open booking of space `id` not checked in yet that `wanted` picks (given
    /// the booking's id and the booking).
    fn open_booking(
        &self,
        id: u64,
        wanted: impl Fn(&(u64, Booking)) -> bool,
    ) -> Option<(u64, Booking)> {
        self.open_bookings
            .get(id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|b| self.bookings.get(b).map(|booking| (b, booking)))
            .find(|open| open.1.state == BookingState::Booked && wanted(open))
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
            vehicle_tag: vehicle_tag(
                &event.vehicle,
                TagScope::Stay {
                    space: id,
                    since_ms: event.at_ms,
                },
            ),
            at_ms: event.at_ms,
            kind,
        };
        self.violations.insert((id, index), &violation);
        self.violation_count.insert(id, &index.saturating_add(1));
        (
            SensorOutcome::ViolationRecorded { index },
            SensorEffect::Violation(ViolationRecorded {
                space: id,
                owner: space.owner,
                index,
                violation,
            }),
        )
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
