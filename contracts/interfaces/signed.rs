//! The one shape of everything the suite takes a signature over: a meter reading, a V2G
//! session's co-signature, a parking sensor's and a transit validator's event, a voucher
//! redemption. Contracts, the SDK and the relay build it with the same constructors, so
//! a signer and the contract that checks it cannot drift apart.

use crate::{recover_signer, Deployment, DeviceKey, Hash32};
use scale::{Encode, Output};

/// `domain ++ contract ++ chain ++ SCALE(payload)`, the domain written raw: its blake2-256
/// is what is signed. The [`Deployment`] binds a signature to one contract on one chain
/// (I-1: it cannot be replayed on another deployment, a test network or a fork); the
/// domain, to one kind of statement (a sensor's event cannot pass for a reading).
///
/// Its SCALE encoding is the preimage itself, so a contract hashes it with
/// `ink::env::hash_encoded` straight from ink!'s buffer, without building a `Vec`.
#[derive(Debug, Clone, Copy)]
pub struct SignedPayload<'a, P> {
    pub domain: &'static [u8],
    pub deployment: &'a Deployment,
    pub payload: P,
}

impl<'a, P: Encode> SignedPayload<'a, P> {
    pub fn new(domain: &'static [u8], deployment: &'a Deployment, payload: P) -> Self {
        Self {
            domain,
            deployment,
            payload,
        }
    }

    /// The blake2-256 of the preimage: what the signer signs.
    pub fn digest(&self) -> Hash32 {
        use ink::env::hash::{Blake2x256, HashOutput};
        let mut digest = <Blake2x256 as HashOutput>::Type::default();
        ink::env::hash_encoded::<Blake2x256, _>(self, &mut digest);
        digest
    }

    /// The key `signature` over this payload recovers to, as every contract takes a
    /// signature (low-s only, I-7); `None` for a signature that recovers to nothing.
    pub fn signer(&self, signature: &[u8; 65]) -> Option<DeviceKey> {
        recover_signer(signature, &self.digest())
    }
}

impl<P: Encode> Encode for SignedPayload<'_, P> {
    fn size_hint(&self) -> usize {
        self.domain
            .len()
            .saturating_add(64)
            .saturating_add(self.payload.size_hint())
    }

    fn encode_to<T: Output + ?Sized>(&self, dest: &mut T) {
        dest.write(self.domain);
        self.deployment.encode_to(dest);
        self.payload.encode_to(dest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        fares::{validator_preimage, ValidatorAction, ValidatorEvent, VALIDATOR_DOMAIN},
        reading::{session_preimage, SESSION_DOMAIN},
        token::{voucher_preimage, VOUCHER_DOMAIN},
        AccountId,
    };

    fn at() -> Deployment {
        Deployment {
            contract: AccountId::from([7; 32]),
            chain: [9; 32],
        }
    }

    /// The bytes every signer in the field signs: a payload's encoding must never move,
    /// or every deployed meter, sensor, validator and printed voucher stops verifying.
    #[test]
    fn every_preimage_is_the_domain_the_deployment_then_the_payload() {
        let at = at();
        let mut bound = AsRef::<[u8; 32]>::as_ref(&at.contract).to_vec();
        bound.extend_from_slice(&at.chain);

        let redeemer = AccountId::from([3; 32]);
        let mut voucher = VOUCHER_DOMAIN.to_vec();
        voucher.extend_from_slice(&bound);
        voucher.extend_from_slice(&42u64.to_le_bytes());
        voucher.extend_from_slice(AsRef::<[u8; 32]>::as_ref(&redeemer));
        assert_eq!(voucher_preimage(&at, 42, &redeemer).encode(), voucher);
        assert_eq!(voucher.len(), 20 + 64 + 8 + 32);

        let mut session = SESSION_DOMAIN.to_vec();
        session.extend_from_slice(&bound);
        session.extend_from_slice(&[1; 32]);
        session.extend_from_slice(&[2; 32]);
        session.extend_from_slice(&5u64.to_le_bytes());
        session.extend_from_slice(&6u64.to_le_bytes());
        assert_eq!(
            session_preimage(&at, &[1; 32], &[2; 32], 5, 6).encode(),
            session
        );

        let event = ValidatorEvent {
            validator: [4; 32],
            seq: 1,
            at_ms: 2,
            action: ValidatorAction::Board { ticket: 3 },
        };
        let mut validator = VALIDATOR_DOMAIN.to_vec();
        validator.extend_from_slice(&bound);
        validator.extend_from_slice(&event.encode());
        let preimage = validator_preimage(&at, &event);
        assert_eq!(preimage.encode(), validator);
        assert_eq!(preimage.size_hint(), validator.len());
    }

    /// Another deployment, chain or domain is another digest: a signature holds for one
    /// statement on one contract on one chain only.
    #[test]
    fn the_digest_binds_the_domain_the_contract_and_the_chain() {
        let at = at();
        let redeemer = AccountId::from([3; 32]);
        let digest = voucher_preimage(&at, 42, &redeemer).digest();
        let elsewhere = Deployment {
            chain: [8; 32],
            ..at
        };
        assert_ne!(voucher_preimage(&elsewhere, 42, &redeemer).digest(), digest);
        let other = SignedPayload::new(SESSION_DOMAIN, &at, (42u64, &redeemer));
        assert_ne!(other.digest(), digest);
    }
}
