//! Parking rental: idle spaces rented by the minute.
//!
//! An owner lists a space watched by a ParkingSensor it holds in the registry; renters
//! book intervals ahead with the rent escrowed here (PSP22 `transfer_from`), and cancel
//! before the start for a refund. The sensor signs what it sees (DESIGN 4.1, its own
//! domain): the booked vehicle checks in; a registered vehicle without a booking opens a
//! pay-as-you-go session; an unknown vehicle, or one on someone else's booking, is
//! recorded as a violation for the owner. At check-out (or, for a no-show, after the end)
//! the escrow goes to the owner less the platform fee, and overstay is billed.
//!
//! The rules live in `rules/` (plain Rust); this module is the shell: its messages read the
//! environment, call the rules and emit; `shell.rs` turns what the rules decided into
//! events and payments and makes the registry and token calls. Invariant: the contract's token balance is
//! `escrow_total()`, the sum of open bookings' escrow.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub mod rules;
mod shell;

#[ink::contract]
mod parking_rental {
    use crate::rules::{Parking, RenterCheck};
    use ink::prelude::vec::Vec;
    use interfaces::{
        parking::{
            sensor_preimage, Booking, Holding, ParkingConfig, ParkingError, SensorOutcome,
            SignedSensorEvent, Space, SpaceTerms, Violation,
        },
        ChainBound, Deployment, DeviceId, GenesisHash,
    };

    #[ink(storage)]
    pub struct ParkingRental {
        pub(crate) parking: Parking,
        pub(crate) registry: AccountId,
        pub(crate) token: AccountId,
        chain: GenesisHash,
    }

    impl ChainBound for ParkingRental {
        /// The genesis hash of the chain this contract was deployed on (I-1).
        #[ink(message)]
        fn chain_id(&self) -> GenesisHash {
            self.chain
        }
    }

    impl ParkingRental {
        /// Deploys the rental wired to `registry` and `token` on the chain whose genesis
        /// hash is `chain`, with the caller as admin (`InvalidFee`). If the token is gated,
        /// its admin must allow-list this contract.
        #[ink(constructor)]
        pub fn new(
            registry: AccountId,
            token: AccountId,
            config: ParkingConfig,
            chain: GenesisHash,
        ) -> Result<Self, ParkingError> {
            Ok(Self {
                parking: Parking::new(Self::env().caller(), config)?,
                registry,
                token,
                chain,
            })
        }

        /// The identity registry and the credit token this contract is wired to.
        #[ink(message)]
        pub fn wiring(&self) -> (AccountId, AccountId) {
            (self.registry, self.token)
        }

        // ----- admin -------------------------------------------------------------------

        /// The admin-set fees and cut-off.
        #[ink(message)]
        pub fn config(&self) -> ParkingConfig {
            self.parking.config()
        }

        /// Admin only: platform fee, fee account, late-cancel fee and cut-off (`NotAdmin`,
        /// `InvalidFee`). Emits `ParkingConfigChanged`.
        #[ink(message)]
        pub fn set_config(&mut self, config: ParkingConfig) -> Result<(), ParkingError> {
            let event = self.parking.set_config(self.env().caller(), config)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// The admin.
        #[ink(message)]
        pub fn admin(&self) -> AccountId {
            self.parking.admin()
        }

        /// Admin only: proposes the next admin (`NotAdmin`). Emits `AdminTransferProposed`.
        #[ink(message)]
        pub fn propose_admin(&mut self, proposed: AccountId) -> Result<(), ParkingError> {
            let event = self.parking.propose_admin(self.env().caller(), proposed)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// The proposed admin takes over (`NotPendingAdmin`). Emits `AdminChanged`.
        #[ink(message)]
        pub fn accept_admin(&mut self) -> Result<(), ParkingError> {
            let event = self.parking.accept_admin(self.env().caller())?;
            self.env().emit_event(event);
            Ok(())
        }

        /// Admin only: stops (`true`) or resumes listing and booking; cancellations,
        /// settlements and sensor events go on so no escrow is stuck (`NotAdmin`,
        /// `PauseUnchanged`). Emits `ParkingPauseChanged`.
        #[ink(message)]
        pub fn set_paused(&mut self, paused: bool) -> Result<(), ParkingError> {
            let event = self.parking.set_paused(self.env().caller(), paused)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// Whether listing and booking are paused.
        #[ink(message)]
        pub fn is_paused(&self) -> bool {
            self.parking.is_paused()
        }

        // ----- spaces ------------------------------------------------------------------

        /// The caller lists a space watched by `sensor`, a commissioned ParkingSensor it
        /// owns. Returns the space id (`Paused`, `InvalidGeohash`, `ZeroPrice`,
        /// `InvalidDurations`, `InvalidWindowCount`, `InvalidWindow`, `SensorNotUsable`,
        /// `SensorInUse`, `RegistryCallFailed`). Emits `SpaceListed`.
        #[ink(message)]
        pub fn list_space(
            &mut self,
            sensor: DeviceId,
            terms: SpaceTerms,
        ) -> Result<u64, ParkingError> {
            let owner = self.env().caller();
            let sensor_info = self.device(sensor)?;
            let event = self
                .parking
                .list_space(owner, sensor, sensor_info.as_ref(), terms)?;
            let space = event.space;
            self.env().emit_event(event);
            Ok(space)
        }

        /// The owner changes a space's terms; bookings made and vehicles parked keep the
        /// tariff they started with (`SpaceNotFound`,
        /// `NotSpaceOwner`, and the terms' errors as for `list_space`). Emits
        /// `SpaceTermsChanged`.
        #[ink(message)]
        pub fn set_terms(&mut self, space: u64, terms: SpaceTerms) -> Result<(), ParkingError> {
            let event = self.parking.set_terms(self.env().caller(), space, terms)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// The owner binds the space to another commissioned, active ParkingSensor it owns
        /// (the old one died, was revoked or sold); allowed with a vehicle parked, which the
        /// new sensor then checks out (`SpaceNotFound`, `NotSpaceOwner`, `SensorNotUsable`,
        /// `SensorInUse`, `RegistryCallFailed`). Emits `SensorRebound`.
        #[ink(message)]
        pub fn rebind_sensor(&mut self, space: u64, sensor: DeviceId) -> Result<(), ParkingError> {
            let record = self.device(sensor)?;
            let event =
                self.parking
                    .rebind_sensor(self.env().caller(), space, sensor, record.as_ref())?;
            self.env().emit_event(event);
            Ok(())
        }

        /// The owner takes the space off the market. Ended bookings are settled to the
        /// owner; bookings to come are refunded in full when `refund`, else the call is
        /// refused. Returns the number refunded (`SpaceNotFound`, `NotSpaceOwner`,
        /// `NotListed`, `SpaceOccupied`, `BookingInProgress`, `HasBookings`, `Payment`,
        /// `TokenCallFailed`).
        /// Emits `BookingSettled` per settled booking, then `SpaceDelisted`.
        #[ink(message)]
        pub fn delist(&mut self, space: u64, refund: bool) -> Result<u32, ParkingError> {
            let now = self.env().block_timestamp();
            let delisting = self
                .parking
                .delist(self.env().caller(), space, refund, now)?;
            let refunded = delisting.delisted.refunded;
            self.carry_out(delisting.settlement)?;
            for event in delisting.settled {
                self.env().emit_event(event);
            }
            self.env().emit_event(delisting.delisted);
            Ok(refunded)
        }

        /// The owner lists a delisted space again (`Paused`, `SpaceNotFound`,
        /// `NotSpaceOwner`, `AlreadyListed`). Emits `SpaceRelisted`.
        #[ink(message)]
        pub fn relist(&mut self, space: u64) -> Result<(), ParkingError> {
            let event = self.parking.relist(self.env().caller(), space)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// The space `space`, listed or not, with the vehicle on it now.
        #[ink(message)]
        pub fn space(&self, space: u64) -> Option<Space> {
            self.parking.space(space)
        }

        /// The space `sensor` reports for.
        #[ink(message)]
        pub fn space_of_sensor(&self, sensor: DeviceId) -> Option<u64> {
            self.parking.space_of_sensor(sensor)
        }

        /// Listed spaces free for the whole of `[start_ms, end_ms)` among ids `from_id..
        /// from_id + limit`, and the id to ask from next (`PageTooLarge` above
        /// `MAX_PAGE`, `BadInterval`).
        #[ink(message)]
        pub fn free_spaces(
            &self,
            start_ms: u64,
            end_ms: u64,
            from_id: u64,
            limit: u32,
        ) -> Result<(Vec<u64>, u64), ParkingError> {
            self.parking.free_spaces(start_ms, end_ms, from_id, limit)
        }

        /// The space's violations from the `from`-th, at most `limit`, and their count
        /// (`PageTooLarge`).
        #[ink(message)]
        pub fn violations(
            &self,
            space: u64,
            from: u32,
            limit: u32,
        ) -> Result<(Vec<Violation>, u32), ParkingError> {
            self.parking.violations(space, from, limit)
        }

        // ----- bookings ----------------------------------------------------------------

        /// The caller (an active citizen) books `[start_ms, end_ms)` of a space, naming
        /// one of its registered vehicles or none (then any of its vehicles checks in).
        /// The rent (started minutes at the hourly price, rounded up) moves from the
        /// caller's allowance to this contract's escrow. Returns the booking id (`Paused`,
        /// `SpaceNotFound`, `NotListed`, `NotACitizen`, `Debtor`, `VehicleNotUsable`, `BadInterval`,
        /// `TooFarAhead`, `DurationOutOfRange`, `OutsideAvailability`, `Overlap`,
        /// `TooManyOpenBookings`, `TooManyBookingsOfRenter`, `Payment`, `TokenCallFailed`,
        /// `RegistryCallFailed`). The booking's tariff (price, longest stay) is fixed now:
        /// minutes outside it are billed at that price. Emits `Booked`.
        #[ink(message)]
        pub fn book(
            &mut self,
            space: u64,
            vehicle: Option<DeviceId>,
            start_ms: u64,
            end_ms: u64,
        ) -> Result<u64, ParkingError> {
            let (renter, now) = (self.env().caller(), self.env().block_timestamp());
            let vehicle_record = match vehicle {
                Some(id) => self.device(id)?,
                None => None,
            };
            // a usable vehicle of the caller's proves it an active citizen; else ask
            let vehicle_ok = vehicle_record
                .as_ref()
                .is_some_and(|v| v.owner == renter && v.active);
            let renter_check = RenterCheck {
                active: vehicle_ok || self.is_active(renter)?,
                vehicle: vehicle_record.as_ref(),
            };
            // effects first; the token calls below cannot call back (reentrancy denied)
            let event =
                self.parking
                    .book(renter, renter_check, space, vehicle, start_ms, end_ms, now)?;
            self.collect_into_escrow(renter, event.escrow)?;
            let booking = event.booking;
            self.env().emit_event(event);
            Ok(booking)
        }

        /// The renter cancels before the start: the escrow back, less the admin-set
        /// cancellation fee (from booking time; zero allowed), or the late-cancel fee inside
        /// the cut-off window when higher (paid to the owner). Returns the
        /// refund (`BookingNotFound`, `NotRenter`, `TooLateToCancel`, `BookingClosed`,
        /// `Payment`, `TokenCallFailed`). Emits `BookingCancelled`.
        #[ink(message)]
        pub fn cancel(&mut self, booking: u64) -> Result<u128, ParkingError> {
            let now = self.env().block_timestamp();
            let (event, settlement) = self.parking.cancel(self.env().caller(), booking, now)?;
            self.carry_out(settlement)?;
            let refund = event.refund;
            self.env().emit_event(event);
            Ok(refund)
        }

        /// Anyone settles a booking whose vehicle never checked in, after its end: the
        /// escrow to the owner less the platform fee (`BookingNotFound`, `NotEnded`,
        /// `SpaceOccupied` for a vehicle still on the space, `BookingClosed`). A booking
        /// another vehicle held the space at the start of, and still holds, is refunded
        /// in full instead (L-4). Emits `BookingSettled`, or `BookingCancelled` with no fee.
        #[ink(message)]
        pub fn settle(&mut self, booking: u64) -> Result<(), ParkingError> {
            let now = self.env().block_timestamp();
            let (settled, settlement) = self.parking.settle(booking, now)?;
            self.carry_out(settlement)?;
            if let Some(event) = settled {
                self.env().emit_event(event);
            }
            Ok(())
        }

        /// The booking `booking`, in whatever state.
        #[ink(message)]
        pub fn booking(&self, booking: u64) -> Option<Booking> {
            self.parking.booking(booking)
        }

        /// `renter`'s bookings from its `from`-th, at most `limit`, and their count
        /// (`PageTooLarge`).
        #[ink(message)]
        pub fn renter_bookings(
            &self,
            renter: AccountId,
            from: u32,
            limit: u32,
        ) -> Result<(Vec<(u64, Booking)>, u32), ParkingError> {
            self.parking.renter_bookings(renter, from, limit)
        }

        /// Micro-credits held for open bookings and owed payouts: this contract's token balance.
        #[ink(message)]
        pub fn escrow_total(&self) -> u128 {
            self.parking.escrow_total()
        }

        /// The caller lets `owner`'s spaces bill it at most `cap` (micro-credits) for
        /// pay-as-you-go stays of its vehicles from now on, replacing what was left; zero
        /// withdraws it. A stay holds the tariff's longest charge on the cap when the car
        /// arrives and gives back what it did not cost when it leaves; a car whose owner
        /// has not enough left opens no session and is a violation (`NotAuthorized`, M-5).
        /// Bookings need no cap: the renter pays them itself. Never refused. Emits
        /// `SpendingCapSet`.
        #[ink(message)]
        pub fn set_spending_cap(
            &mut self,
            owner: AccountId,
            cap: u128,
        ) -> Result<(), ParkingError> {
            let event = self
                .parking
                .set_spending_cap(self.env().caller(), owner, cap);
            self.env().emit_event(event);
            Ok(())
        }

        /// What `owner`'s spaces may still bill `payer` pay-as-you-go.
        #[ink(message)]
        pub fn spending_cap(&self, payer: AccountId, owner: AccountId) -> u128 {
            self.parking.spending_cap(payer, owner)
        }

        /// The caller claims the payouts that the token refused to deliver to it earlier
        /// (while it was suspended, say) (`NoPayoutOwed`, `Payment` when the token still
        /// refuses it, `TokenCallFailed`). Emits `PayoutClaimed`.
        #[ink(message)]
        pub fn claim_payout(&mut self) -> Result<u128, ParkingError> {
            let caller = self.env().caller();
            let event = self.parking.claim_payout(caller)?;
            let left = self.net(caller, event.amount)?;
            self.release(caller, left)?;
            let amount = event.amount;
            self.env().emit_event(event);
            Ok(amount)
        }

        /// The payouts waiting for `account` to claim.
        #[ink(message)]
        pub fn payout_owed(&self, account: AccountId) -> u128 {
            self.parking.payout_owed(account)
        }

        /// The caller, the account a citizen acts from after the admin moved it from
        /// `from` (a lost key: the registry's `successor`), takes over `holding` of
        /// `from`: a space it owns, an open booking it made, or the payouts waiting for
        /// it, which are paid to the caller at once (M-1) (`NoSuccessor`, `NotSuccessor`,
        /// `NotTheirs`, `SpaceNotFound`, `BookingNotFound`, `NoPayoutOwed`,
        /// `RegistryCallFailed`; `Payment` when the token refuses the payout). Emits
        /// `TakenOver`, and `PayoutClaimed` for payouts.
        #[ink(message)]
        pub fn take_over(&mut self, from: AccountId, holding: Holding) -> Result<(), ParkingError> {
            let caller = self.env().caller();
            if self.successor(from)? != caller {
                return Err(ParkingError::NotSuccessor);
            }
            let event = self.parking.take_over(holding, from, caller)?;
            let payouts = matches!(event.holding, Holding::Payouts(_));
            self.env().emit_event(event);
            if payouts {
                let claimed = self.parking.claim_payout(caller)?;
                self.release(caller, claimed.amount)?;
                self.env().emit_event(claimed);
            }
            Ok(())
        }

        /// The caller (a space owner) moves what `from` owes it here to the account
        /// `from`'s citizen acts from after a move (M-3: that account is then a debtor,
        /// refused new bookings until it repays) (`NoSuccessor`, `NothingOwed`,
        /// `RegistryCallFailed`). Emits `DebtMoved`.
        #[ink(message)]
        pub fn move_debt(&mut self, from: AccountId) -> Result<(), ParkingError> {
            let to = self.successor(from)?;
            let event = self.parking.move_debt(self.env().caller(), from, to)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// Admin only: sensor `sensor` counts from 1 again, and no event it signed before
        /// now is taken (I-2: a sensor whose counter restarted, or reached `u64::MAX`)
        /// (`NotAdmin`). Emits `SensorSequenceReset`.
        #[ink(message)]
        pub fn reset_sensor_sequence(&mut self, sensor: DeviceId) -> Result<(), ParkingError> {
            let now = self.env().block_timestamp();
            let event = self
                .parking
                .reset_sensor_sequence(self.env().caller(), sensor, now)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// Admin only: sends `to` the credits this contract holds beyond the open bookings'
        /// escrow and the payouts it owes (transferred here by mistake), restoring
        /// "balance = `escrow_total`"
        /// (`NotAdmin`, `NothingToSweep`, `Payment`, `TokenCallFailed`). Emits `ExcessSwept`.
        #[ink(message)]
        pub fn sweep_excess(&mut self, to: AccountId) -> Result<u128, ParkingError> {
            let balance = interfaces::calls::balance_of(self.token, self.env().account_id())?;
            let event = self.parking.sweepable(self.env().caller(), balance, to)?;
            let amount = event.amount;
            self.release(to, amount)?;
            self.env().emit_event(event);
            Ok(amount)
        }

        /// What `account` owes for overstay or pay-as-you-go charges it could not pay.
        #[ink(message)]
        pub fn debt(&self, account: AccountId) -> u128 {
            self.parking.debt(account)
        }

        /// The caller repays up to `amount` of what it owes the space owner `creditor`,
        /// from its allowance to this contract: the owner gets it less the platform fee,
        /// as for a charge collected at check-out. Returns what was repaid (`ZeroAmount`,
        /// `NothingOwed`, `Payment`, `TokenCallFailed`). Emits `DebtRepaid`.
        #[ink(message)]
        pub fn repay_debt(
            &mut self,
            creditor: AccountId,
            amount: u128,
        ) -> Result<u128, ParkingError> {
            let debtor = self.env().caller();
            let amount = self.parking.repayable(debtor, creditor, amount)?;
            let event = self.parking.repaid(debtor, creditor, amount);
            self.collect_into_escrow(debtor, amount)?;
            let split = self.parking.split(amount);
            self.release(creditor, split.to_owner)?;
            self.release(self.parking.config().fee_account, split.fee)?;
            self.env().emit_event(event);
            Ok(amount)
        }

        // ----- sensor events -----------------------------------------------------------

        /// Permissionless: a parking sensor's signed report that a vehicle arrived or
        /// left. Refused, changing nothing, when it cannot be trusted (`UnknownSensor`,
        /// `SensorInactive`, `BadSignature` (a high-s signature too), `BadEventTime`) or is
        /// not the sensor's next event (`StaleSeq`, `SequenceGap`: events apply in sequence,
        /// so a later one submitted first waits for the earlier, M-6). An authentic event the
        /// space contradicts uses its sequence and returns `Refused` (`SpaceOccupied`,
        /// `VehicleMismatch`, `NotListed`: no pay-as-you-go on a delisted space); otherwise
        /// returns what it did. A booked vehicle arriving up to `EARLY_CHECK_IN_MS` early
        /// checks into its booking; bookings that start while another vehicle's stay holds
        /// the space are refunded in full when it leaves (L-4).
        /// Emits `CheckedIn`, `SessionOpened`, `ViolationRecorded`, `BookingSettled`,
        /// `SessionClosed` or `SensorEventRefused`, `BookingCancelled` per refund, and
        /// `DebtRecorded` when a charge cannot be collected. A paused token fails the call
        /// (the event is submitted again).
        #[ink(message)]
        pub fn report(&mut self, signed: SignedSensorEvent) -> Result<SensorOutcome, ParkingError> {
            let event = signed.event;
            let records = self.devices([event.sensor, event.vehicle])?;
            let me = Deployment::here(self.chain);
            let signer = sensor_preimage(&me, &event).signer(&signed.signature);
            let now = self.env().block_timestamp();
            let space = self
                .parking
                .authenticate(&event, records[0].as_ref(), signer, now)?;
            let (outcome, effect, settlement) =
                self.parking
                    .sensor_event(space, &event, records[1].as_ref())?;
            self.carry_out(settlement)?;
            self.emit_effect(effect);
            Ok(outcome)
        }

        /// Anyone closes a session its sensor never closed, once `CHECKOUT_GRACE_MS` has
        /// passed after the booking's end (or after a pay-as-you-go stay's longest billable
        /// time): the vehicle is taken to have left then, and the escrow and the charge are
        /// settled as a `Left` event would (M-1: a dead sensor cannot lock the escrow)
        /// (`SpaceNotFound`, `NoSession`, `NotOverdue`, `Payment`, `TokenCallFailed`).
        /// Emits `BookingSettled` or `SessionClosed`, and `DebtRecorded` when the charge
        /// cannot be collected.
        #[ink(message)]
        pub fn close_overdue(&mut self, space: u64) -> Result<SensorOutcome, ParkingError> {
            let now = self.env().block_timestamp();
            let (outcome, effect, settlement) = self.parking.close_overdue(space, now)?;
            self.carry_out(settlement)?;
            self.emit_effect(effect);
            Ok(outcome)
        }
    }
}
