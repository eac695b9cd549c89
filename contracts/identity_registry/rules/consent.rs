//! Consent: what a citizen lets a service use, by data category.

use super::*;

impl Registry {
    // ----- consent -------------------------------------------------------------------------

    /// Grants (or extends, or shortens) a service's access to a data category.
    pub fn grant_consent(
        &mut self,
        caller: AccountId,
        service: AccountId,
        category: DataCategory,
        expires_at_ms: TimestampMs,
        now: TimestampMs,
    ) -> Outcome {
        self.ensure_running()?;
        let (virtual_id, _) = self.active_caller(caller)?;
        if expires_at_ms <= now {
            return Err(RegistryError::ExpiryInPast);
        }
        self.consents
            .insert((virtual_id, service, category), &expires_at_ms);
        Ok(RegistryEvent::ConsentGranted(ev::ConsentGranted {
            virtual_id,
            service,
            category,
            expires_at_ms,
        }))
    }

    /// Withdraws a consent. Allowed to suspended citizens too: withdrawing is never barred.
    pub fn revoke_consent(
        &mut self,
        caller: AccountId,
        service: AccountId,
        category: DataCategory,
    ) -> Outcome {
        let virtual_id = self
            .virtual_id_of
            .get(caller)
            .ok_or(RegistryError::CallerNotCitizen)?;
        if self
            .consents
            .take((virtual_id, service, category))
            .is_none()
        {
            return Err(RegistryError::ConsentNotFound);
        }
        Ok(RegistryEvent::ConsentRevoked(ev::ConsentRevoked {
            virtual_id,
            service,
            category,
        }))
    }

    /// The expiry of a consent, expired or not.
    pub fn consent_expiry(
        &self,
        virtual_id: VirtualId,
        service: AccountId,
        category: DataCategory,
    ) -> Option<TimestampMs> {
        self.consents.get((virtual_id, service, category))
    }

    /// Whether the active citizen acting as `citizen` lets `service` read `category` at `now`.
    pub fn has_consent(
        &self,
        citizen: AccountId,
        service: AccountId,
        category: DataCategory,
        now: TimestampMs,
    ) -> bool {
        if !self.is_active(citizen) {
            return false;
        }
        self.virtual_id_of
            .get(citizen)
            .and_then(|id| self.consents.get((id, service, category)))
            .is_some_and(|expires_at_ms| now < expires_at_ms)
    }
}
