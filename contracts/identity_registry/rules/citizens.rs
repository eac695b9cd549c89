//! Citizens: registration, status, moves to a new account, lookups.

use super::*;

impl Registry {
    // ----- citizens ----------------------------------------------------------------------

    pub fn register_citizen(
        &mut self,
        caller: AccountId,
        virtual_id: VirtualId,
        account: AccountId,
        now: TimestampMs,
    ) -> Outcome {
        self.ensure_running()?;
        self.ensure_role(caller, RegistryRole::Issuer)?;
        if self.citizens.contains(virtual_id) {
            return Err(RegistryError::VirtualIdTaken);
        }
        if self.virtual_id_of.contains(account) {
            return Err(RegistryError::AccountTaken);
        }
        let record = CitizenRecord {
            account,
            status: CitizenStatus::Active,
            issued_by: caller,
            registered_at_ms: now,
            device_count: 0,
        };
        self.citizens.insert(virtual_id, &record);
        self.virtual_id_of.insert(account, &virtual_id);
        Ok(RegistryEvent::CitizenRegistered(ev::CitizenRegistered {
            virtual_id,
            account,
            issued_by: caller,
        }))
    }

    /// Suspend, reactivate or revoke. Revocation is final. An issuer acts only on the
    /// citizens it registered; the admin on any (I-6).
    pub fn set_citizen_status(
        &mut self,
        caller: AccountId,
        virtual_id: VirtualId,
        status: CitizenStatus,
    ) -> Outcome {
        // while paused, citizens can still be suspended or revoked, not reactivated
        if status == CitizenStatus::Active {
            self.ensure_running()?;
        }
        let mut record = self
            .citizens
            .get(virtual_id)
            .ok_or(RegistryError::CitizenNotFound)?;
        if self.ensure_admin(caller).is_err() {
            self.ensure_role(caller, RegistryRole::Issuer)?;
            if record.issued_by != caller {
                return Err(RegistryError::NotCitizensIssuer);
            }
        }
        if record.status == CitizenStatus::Revoked {
            return Err(RegistryError::CitizenRevoked);
        }
        if record.status == status {
            return Err(RegistryError::StatusUnchanged);
        }
        record.status = status;
        self.citizens.insert(virtual_id, &record);
        Ok(RegistryEvent::CitizenStatusChanged(
            ev::CitizenStatusChanged {
                virtual_id,
                status,
                changed_by: caller,
            },
        ))
    }

    /// A citizen lost their key: the admin binds the virtual id to a fresh account (I-6:
    /// a move hands over a citizen's devices and credits, so no single issuer may make
    /// one). Devices and consents are keyed by virtual id, so they follow.
    pub fn move_citizen(
        &mut self,
        caller: AccountId,
        virtual_id: VirtualId,
        to: AccountId,
    ) -> Outcome {
        self.ensure_running()?;
        self.ensure_admin(caller)?;
        let mut record = self
            .citizens
            .get(virtual_id)
            .ok_or(RegistryError::CitizenNotFound)?;
        if record.status == CitizenStatus::Revoked {
            return Err(RegistryError::CitizenRevoked);
        }
        if self.virtual_id_of.contains(to) {
            return Err(RegistryError::AccountTaken);
        }
        let from = record.account;
        self.virtual_id_of.remove(from);
        self.former_of.insert(from, &virtual_id);
        self.virtual_id_of.insert(to, &virtual_id);
        record.account = to;
        self.citizens.insert(virtual_id, &record);
        Ok(RegistryEvent::CitizenAccountMoved(
            ev::CitizenAccountMoved {
                virtual_id,
                from,
                to,
            },
        ))
    }

    pub fn citizen(&self, virtual_id: VirtualId) -> Option<Citizen> {
        self.citizens.get(virtual_id).map(|record| Citizen {
            virtual_id,
            account: record.account,
            status: record.status,
            issued_by: record.issued_by,
            registered_at_ms: record.registered_at_ms,
            device_count: record.device_count,
        })
    }

    /// The account that acts now for the citizen `former` acted for until a move (after
    /// several moves, the latest one); `None` when `former` was never moved away from, or
    /// acts for a citizen again (an account freed by a move may be registered anew).
    pub fn successor(&self, former: AccountId) -> Option<AccountId> {
        if self.virtual_id_of.contains(former) {
            return None;
        }
        self.former_of
            .get(former)
            .and_then(|id| self.citizens.get(id))
            .map(|record| record.account)
    }

    pub fn citizen_of(&self, account: AccountId) -> Option<Citizen> {
        self.virtual_id_of
            .get(account)
            .and_then(|id| self.citizen(id))
    }

    pub fn is_active(&self, account: AccountId) -> bool {
        self.virtual_id_of
            .get(account)
            .and_then(|id| self.citizens.get(id))
            .is_some_and(|record| record.status == CitizenStatus::Active)
    }

    /// The caller's virtual id and record, if the caller is an active citizen.
    pub(super) fn active_caller(
        &self,
        caller: AccountId,
    ) -> Result<(VirtualId, CitizenRecord), RegistryError> {
        let id = self
            .virtual_id_of
            .get(caller)
            .ok_or(RegistryError::CallerNotCitizen)?;
        let record = self
            .citizens
            .get(id)
            .ok_or(RegistryError::CallerNotCitizen)?;
        if record.status != CitizenStatus::Active {
            return Err(RegistryError::CallerNotActive);
        }
        Ok((id, record))
    }
}
