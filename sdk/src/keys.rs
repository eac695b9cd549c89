//! Device keys: secp256k1, because `ecdsa_recover` is a stable pallet-contracts host function.

use interfaces::DeviceKey;
use secp256k1::{PublicKey, SecretKey, SECP256K1};

/// A device's signing key.
#[derive(Clone)]
pub struct DeviceSigner {
    secret: SecretKey,
}

impl std::fmt::Debug for DeviceSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never print the secret
        f.debug_struct("DeviceSigner")
            .field("public", &hex::encode(self.public_key()))
            .finish()
    }
}

impl DeviceSigner {
    /// A fresh random key (what a device generates at manufacture).
    pub fn random() -> Self {
        Self {
            secret: SecretKey::new(&mut secp256k1::rand::thread_rng()),
        }
    }

    /// A key derived from a seed phrase: the same seed gives the same key (demos, tests).
    pub fn from_seed(seed: &str) -> Self {
        let mut counter = 0u32;
        loop {
            let digest =
                crate::blake2_256(format!("smartcity/device-key/{seed}/{counter}").as_bytes());
            // A 32-byte hash is a valid secret key except with negligible probability.
            if let Ok(secret) = SecretKey::from_slice(&digest) {
                return Self { secret };
            }
            counter += 1;
        }
    }

    /// The 65-byte recoverable signature (r ++ s ++ v) over a 32-byte digest, the form
    /// pallet-contracts' `ecdsa_recover` takes.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> [u8; 65] {
        let (recovery, compact) = SECP256K1
            .sign_ecdsa_recoverable(&secp256k1::Message::from_digest(*digest), &self.secret)
            .serialize_compact();
        let mut signature = [0u8; 65];
        signature[..64].copy_from_slice(&compact);
        signature[64] = u8::try_from(recovery.to_i32()).expect("a recovery id is 0..=3");
        signature
    }

    /// The compressed public key the registry stores.
    /// A 32-byte key for keyed hashes this device makes (`purpose` names what for), derived
    /// from its secret: nobody without the device's secret can compute them.
    pub fn derived_key(&self, purpose: &[u8]) -> [u8; 32] {
        let mut material = Vec::with_capacity(32 + purpose.len());
        material.extend_from_slice(&self.secret.secret_bytes());
        material.extend_from_slice(purpose);
        crate::blake2_256(&material)
    }

    pub fn public_key(&self) -> DeviceKey {
        PublicKey::from_secret_key(SECP256K1, &self.secret).serialize()
    }
}

/// secp256k1's group order, big-endian.
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// The malleable twin `(r, n - s, v ^ 1)` of a recoverable signature: it recovers to the
/// same key, and the contracts refuse it (I-7). For tests of that refusal.
pub fn malleable_twin(signature: &[u8; 65]) -> [u8; 65] {
    let mut twin = *signature;
    let mut borrow = 0u16;
    for i in (32..64).rev() {
        let minuend = u16::from(ORDER[i - 32]);
        let subtrahend = u16::from(signature[i]) + borrow;
        let (digit, next) = if minuend >= subtrahend {
            (minuend - subtrahend, 0)
        } else {
            (minuend + 256 - subtrahend, 1)
        };
        twin[i] = digit as u8;
        borrow = next;
    }
    twin[64] = signature[64] ^ 1;
    twin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_malleable_twin_recovers_to_the_same_key_and_is_high_s() {
        let signer = DeviceSigner::from_seed("meter-1");
        let digest = crate::blake2_256(b"a reading");
        let signature = signer.sign_digest(&digest);
        let twin = malleable_twin(&signature);
        let recover = |sig: &[u8; 65]| {
            let id = secp256k1::ecdsa::RecoveryId::from_i32(i32::from(sig[64])).unwrap();
            let sig = secp256k1::ecdsa::RecoverableSignature::from_compact(&sig[..64], id).unwrap();
            SECP256K1
                .recover_ecdsa(&secp256k1::Message::from_digest(digest), &sig)
                .unwrap()
                .serialize()
        };
        assert_eq!(recover(&twin), signer.public_key());
        assert!(interfaces::is_low_s(&signature));
        assert!(!interfaces::is_low_s(&twin));
        assert_eq!(malleable_twin(&twin), signature);
    }

    #[test]
    fn seeded_keys_are_stable_and_compressed() {
        let a = DeviceSigner::from_seed("meter-1");
        assert_eq!(
            a.public_key(),
            DeviceSigner::from_seed("meter-1").public_key()
        );
        assert_ne!(
            a.public_key(),
            DeviceSigner::from_seed("meter-2").public_key()
        );
        assert!(matches!(a.public_key()[0], 0x02 | 0x03));
        assert!(!format!("{a:?}").contains(&hex::encode(a.secret.secret_bytes())));
    }
}
