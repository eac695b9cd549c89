//! Devices: registration, commissioning, keys, transfers, revocation, batch lookups.

use super::*;

impl Registry {
    // ----- devices -----------------------------------------------------------------------

    pub fn register_device(
        &mut self,
        caller: AccountId,
        device_id: DeviceId,
        kind: DeviceKind,
        key: DeviceKey,
        metadata_hash: Hash32,
        now: TimestampMs,
    ) -> Outcome {
        self.ensure_running()?;
        let (owner, mut citizen) = self.active_caller(caller)?;
        ensure_compressed_key(&key)?;
        if self.devices.contains(device_id) {
            return Err(RegistryError::DeviceIdTaken);
        }
        if citizen.device_count >= self.max_devices_per_citizen {
            return Err(RegistryError::DeviceCapReached);
        }
        citizen.device_count = citizen.device_count.saturating_add(1);
        self.citizens.insert(owner, &citizen);
        let record = DeviceRecord {
            owner,
            kind,
            key,
            metadata_hash,
            status: DeviceStatus::Pending,
            energy: None,
            owner_since_ms: now,
        };
        self.devices.insert(device_id, &record);
        Ok(RegistryEvent::DeviceRegistered(ev::DeviceRegistered {
            device_id,
            owner: caller,
            kind,
            key,
        }))
    }

    /// An operator approves a pending device. A meter or an EV charger comes with the
    /// energy profile the operator fixed when inspecting its installation
    /// (`EnergyProfileRequired` without one, `ProfileNotForKind` for one that does not fit).
    pub fn commission_device(
        &mut self,
        caller: AccountId,
        device_id: DeviceId,
        energy: Option<EnergyProfile>,
    ) -> Outcome {
        self.ensure_running()?;
        self.ensure_role(caller, RegistryRole::Operator)?;
        let mut device = self
            .devices
            .get(device_id)
            .ok_or(RegistryError::DeviceNotFound)?;
        match device.status {
            DeviceStatus::Revoked => return Err(RegistryError::DeviceRevoked),
            DeviceStatus::Commissioned => return Err(RegistryError::AlreadyCommissioned),
            DeviceStatus::Pending => {}
        }
        let needs_profile = matches!(device.kind, DeviceKind::Meter | DeviceKind::EvCharger);
        match energy {
            None if needs_profile => return Err(RegistryError::EnergyProfileRequired),
            Some(profile) if !profile.fits(device.kind) => {
                return Err(RegistryError::ProfileNotForKind)
            }
            _ => {}
        }
        device.status = DeviceStatus::Commissioned;
        device.energy = energy;
        self.devices.insert(device_id, &device);
        Ok(RegistryEvent::DeviceCommissioned(ev::DeviceCommissioned {
            device_id,
            operator: caller,
            energy,
        }))
    }

    /// The owner hands a device to another active citizen; it stays commissioned, as the
    /// hardware and its key are unchanged.
    pub fn transfer_device(
        &mut self,
        caller: AccountId,
        device_id: DeviceId,
        to: AccountId,
        now: TimestampMs,
    ) -> Outcome {
        self.ensure_running()?;
        let (owner, mut seller) = self.active_caller(caller)?;
        let mut device = self.owned_live_device(owner, device_id)?;
        let buyer_id = self
            .virtual_id_of
            .get(to)
            .ok_or(RegistryError::RecipientNotActive)?;
        if buyer_id == owner {
            return Err(RegistryError::SameOwner);
        }
        let mut buyer = self
            .citizens
            .get(buyer_id)
            .ok_or(RegistryError::RecipientNotActive)?;
        if buyer.status != CitizenStatus::Active {
            return Err(RegistryError::RecipientNotActive);
        }
        if buyer.device_count >= self.max_devices_per_citizen {
            return Err(RegistryError::DeviceCapReached);
        }
        seller.device_count = seller.device_count.saturating_sub(1);
        buyer.device_count = buyer.device_count.saturating_add(1);
        self.citizens.insert(owner, &seller);
        self.citizens.insert(buyer_id, &buyer);
        device.owner = buyer_id;
        device.owner_since_ms = now;
        self.devices.insert(device_id, &device);
        Ok(RegistryEvent::DeviceTransferred(ev::DeviceTransferred {
            device_id,
            from: caller,
            to,
        }))
    }

    /// A new key sends the device back to `Pending`: otherwise an owner could swap in a
    /// key of their own and sign whatever readings they like.
    pub fn rotate_device_key(
        &mut self,
        caller: AccountId,
        device_id: DeviceId,
        new_key: DeviceKey,
    ) -> Outcome {
        self.ensure_running()?;
        let (owner, _) = self.active_caller(caller)?;
        ensure_compressed_key(&new_key)?;
        let mut device = self.owned_live_device(owner, device_id)?;
        if device.key == new_key {
            return Err(RegistryError::SameKey);
        }
        device.key = new_key;
        device.status = DeviceStatus::Pending;
        self.devices.insert(device_id, &device);
        Ok(RegistryEvent::DeviceKeyRotated(ev::DeviceKeyRotated {
            device_id,
            new_key,
        }))
    }

    /// The owner (even a suspended one, so a stolen meter can always be disowned) or an
    /// operator revokes a device for good; it stops counting towards the owner's cap.
    pub fn revoke_device(&mut self, caller: AccountId, device_id: DeviceId) -> Outcome {
        let mut device = self
            .devices
            .get(device_id)
            .ok_or(RegistryError::DeviceNotFound)?;
        let is_owner = self.virtual_id_of.get(caller) == Some(device.owner);
        if !is_owner && !self.has_role(RegistryRole::Operator, caller) {
            return Err(RegistryError::NotDeviceOwner);
        }
        if device.status == DeviceStatus::Revoked {
            return Err(RegistryError::DeviceRevoked);
        }
        device.status = DeviceStatus::Revoked;
        self.devices.insert(device_id, &device);
        if let Some(mut owner) = self.citizens.get(device.owner) {
            owner.device_count = owner.device_count.saturating_sub(1);
            self.citizens.insert(device.owner, &owner);
        }
        Ok(RegistryEvent::DeviceRevoked(ev::DeviceRevoked {
            device_id,
            revoked_by: caller,
        }))
    }

    fn owned_live_device(
        &self,
        owner: VirtualId,
        device_id: DeviceId,
    ) -> Result<DeviceRecord, RegistryError> {
        let device = self
            .devices
            .get(device_id)
            .ok_or(RegistryError::DeviceNotFound)?;
        if device.owner != owner {
            return Err(RegistryError::NotDeviceOwner);
        }
        if device.status == DeviceStatus::Revoked {
            return Err(RegistryError::DeviceRevoked);
        }
        Ok(device)
    }

    pub fn device(&self, device_id: DeviceId) -> Option<DeviceInfo> {
        let device = self.devices.get(device_id)?;
        let owner = self.citizens.get(device.owner);
        let owner_active = owner
            .as_ref()
            .is_some_and(|c| c.status == CitizenStatus::Active);
        Some(DeviceInfo {
            device_id,
            // The owner record always exists (citizens are never deleted); the fallback
            // is the zero account only to keep this a total function.
            owner: owner.map(|c| c.account).unwrap_or(AccountId::from([0; 32])),
            owner_id: device.owner,
            kind: device.kind,
            key: device.key,
            metadata_hash: device.metadata_hash,
            status: device.status,
            active: owner_active && device.status == DeviceStatus::Commissioned,
            energy: device.energy,
            owner_since_ms: device.owner_since_ms,
        })
    }
}
