//! Digital-twin anchors: hashes of off-chain records, versioned.

use super::*;

impl Registry {
    // ----- digital-twin anchors ------------------------------------------------------------

    /// Anchors (or re-anchors, bumping the version) the hash of a subject's off-chain record;
    /// only whoever anchored a subject (or the admin) re-anchors it.
    pub fn anchor_record(
        &mut self,
        caller: AccountId,
        subject: Hash32,
        record_hash: Hash32,
        now: TimestampMs,
    ) -> Outcome {
        self.ensure_running()?;
        self.ensure_issuer_or_operator(caller)?;
        // M-10: a citizen's digital twin, or one of its devices', is anchored only by a
        // service the citizen let keep it (`grant_consent(service, DigitalTwin, ..)`)
        if let Some(citizen) = self.twin_owner(subject) {
            let consented = self
                .consents
                .get((citizen, caller, DataCategory::DigitalTwin))
                .is_some_and(|expires_at_ms| now < expires_at_ms);
            if !consented {
                return Err(RegistryError::NoConsent);
            }
        }
        let previous = self.anchors.get(subject);
        // I-6: a subject's record is re-anchored only by whoever anchored it (or the admin)
        if previous
            .as_ref()
            .is_some_and(|p| p.anchored_by != caller && self.ensure_admin(caller).is_err())
        {
            return Err(RegistryError::NotAnchorOwner);
        }
        let version = previous.map_or(1, |previous| previous.version.saturating_add(1));
        self.anchors.insert(
            subject,
            &Anchor {
                record_hash,
                anchored_by: caller,
                anchored_at_ms: now,
                version,
            },
        );
        Ok(RegistryEvent::RecordAnchored(ev::RecordAnchored {
            subject,
            record_hash,
            version,
            anchored_by: caller,
        }))
    }

    /// The citizen whose data `subject` is: a citizen's virtual id, or a registered
    /// device's owner; `None` for anything else (a street light, a bus stop).
    fn twin_owner(&self, subject: Hash32) -> Option<VirtualId> {
        if self.citizens.contains(subject) {
            return Some(subject);
        }
        self.devices.get(subject).map(|device| device.owner)
    }

    pub fn anchor(&self, subject: Hash32) -> Option<Anchor> {
        self.anchors.get(subject)
    }

    /// Whether `record_hash` is the latest anchored hash for `subject`.
    pub fn verify_record(&self, subject: Hash32, record_hash: Hash32) -> bool {
        self.anchors
            .get(subject)
            .is_some_and(|anchor| anchor.record_hash == record_hash)
    }
}
