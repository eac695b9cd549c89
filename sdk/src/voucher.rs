//! QR vouchers: a one-time secp256k1 key locks credits in the token; the QR code carries
//! the token, the voucher id and the one-time secret; the redeemer signs its own account
//! with that secret, so a watcher of the transaction pool cannot redeem in its place.

use anyhow::{anyhow, bail, Context};
use interfaces::{token::voucher_preimage, AccountId, Deployment, GenesisHash};
use scale::Encode;
use secp256k1::{Message, SecretKey, SECP256K1};

/// What a voucher's QR code carries.
#[derive(Clone, PartialEq, Eq)]
pub struct VoucherTicket {
    pub token: AccountId,
    pub voucher_id: u64,
    pub secret: SecretKey,
}

impl std::fmt::Debug for VoucherTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // the secret is the voucher: never print it by accident
        f.debug_struct("VoucherTicket")
            .field("token", &hex::encode(self.token))
            .field("voucher_id", &self.voucher_id)
            .finish_non_exhaustive()
    }
}

/// Prefix of the QR payload: `SCV1:<token hex>:<voucher id>:<secret hex>`, upper case so
/// QR codes use their denser alphanumeric mode.
const PREFIX: &str = "SCV1";

/// A fresh one-time key for a voucher; the public half goes to `create_voucher`.
pub fn one_time_key() -> (SecretKey, [u8; 33]) {
    let secret = SecretKey::new(&mut secp256k1::rand::thread_rng());
    let public = secret.public_key(SECP256K1).serialize();
    (secret, public)
}

/// The recoverable signature (r ++ s ++ v) of `secret` over the redemption digest of
/// voucher `voucher_id` of `token` (on its chain) for `redeemer`.
pub fn sign_redemption(
    secret: &SecretKey,
    token: &Deployment,
    voucher_id: u64,
    redeemer: &AccountId,
) -> [u8; 65] {
    let digest = crate::blake2_256(&voucher_preimage(token, voucher_id, redeemer).encode());
    let (recovery, compact) = SECP256K1
        .sign_ecdsa_recoverable(&Message::from_digest(digest), secret)
        .serialize_compact();
    let mut signature = [0u8; 65];
    signature[..64].copy_from_slice(&compact);
    signature[64] = u8::try_from(recovery.to_i32()).expect("a recovery id is 0..=3");
    signature
}

impl VoucherTicket {
    /// The text the QR code carries.
    pub fn payload(&self) -> String {
        format!(
            "{PREFIX}:{}:{}:{}",
            hex::encode_upper(self.token),
            self.voucher_id,
            hex::encode_upper(self.secret.secret_bytes())
        )
    }

    /// Reads a payload back; every malformed part is named.
    pub fn parse(payload: &str) -> anyhow::Result<Self> {
        let parts: Vec<&str> = payload.trim().split(':').collect();
        let [prefix, token, id, secret] = parts.as_slice() else {
            bail!(
                "a voucher payload has 4 parts separated by ':', this one has {}",
                parts.len()
            );
        };
        if *prefix != PREFIX {
            bail!("not a smart-city voucher (prefix {prefix:?}, expected {PREFIX:?})");
        }
        let token: [u8; 32] = hex::decode(token)
            .context("token address is not hex")?
            .try_into()
            .map_err(|_| anyhow!("token address is not 32 bytes"))?;
        let voucher_id = id.parse().context("voucher id is not a number")?;
        let secret = SecretKey::from_slice(&hex::decode(secret).context("secret is not hex")?)
            .context("secret is not a secp256k1 secret key")?;
        Ok(Self {
            token: AccountId::from(token),
            voucher_id,
            secret,
        })
    }

    /// The token on `chain`: what the redemption signature binds (the code names no chain:
    /// the redeemer's wallet asks the token for its `chain_id`).
    pub fn deployment(&self, chain: GenesisHash) -> Deployment {
        Deployment {
            contract: self.token,
            chain,
        }
    }

    /// The signature `redeemer` presents to `redeem_voucher` of the token on `chain`.
    pub fn sign_for(&self, chain: GenesisHash, redeemer: &AccountId) -> [u8; 65] {
        sign_redemption(
            &self.secret,
            &self.deployment(chain),
            self.voucher_id,
            redeemer,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> VoucherTicket {
        VoucherTicket {
            token: AccountId::from([7; 32]),
            voucher_id: 42,
            secret: SecretKey::from_slice(&[9; 32]).unwrap(),
        }
    }

    #[test]
    fn payload_round_trips_and_bad_payloads_are_named() {
        let ticket = ticket();
        assert_eq!(VoucherTicket::parse(&ticket.payload()).unwrap(), ticket);
        assert!(VoucherTicket::parse("SCV1:00:1")
            .unwrap_err()
            .to_string()
            .contains("4 parts"));
        let wrong_prefix = ticket.payload().replacen("SCV1", "XYZ9", 1);
        assert!(VoucherTicket::parse(&wrong_prefix)
            .unwrap_err()
            .to_string()
            .contains("prefix"));
        let short_token = format!("SCV1:ABCD:1:{}", hex::encode([9; 32]));
        assert!(VoucherTicket::parse(&short_token)
            .unwrap_err()
            .to_string()
            .contains("32 bytes"));
        let zero_secret = format!("SCV1:{}:1:{}", hex::encode([7; 32]), hex::encode([0; 32]));
        assert!(VoucherTicket::parse(&zero_secret)
            .unwrap_err()
            .to_string()
            .contains("secret"));
        assert!(!format!("{ticket:?}").contains(&hex::encode([9; 32])));
    }

    #[test]
    fn signature_recovers_to_the_one_time_key_for_that_redeemer_only() {
        let ticket = ticket();
        let public = ticket.secret.public_key(SECP256K1).serialize();
        let redeemer = AccountId::from([1; 32]);
        let signature = ticket.sign_for([3; 32], &redeemer);
        let recover = |chain: GenesisHash, who: &AccountId| {
            let token = ticket.deployment(chain);
            let digest =
                crate::blake2_256(&voucher_preimage(&token, ticket.voucher_id, who).encode());
            let id = secp256k1::ecdsa::RecoveryId::from_i32(i32::from(signature[64])).unwrap();
            let sig =
                secp256k1::ecdsa::RecoverableSignature::from_compact(&signature[..64], id).unwrap();
            SECP256K1
                .recover_ecdsa(&Message::from_digest(digest), &sig)
                .unwrap()
                .serialize()
        };
        assert_eq!(recover([3; 32], &redeemer), public);
        assert_ne!(recover([3; 32], &AccountId::from([2; 32])), public);
        assert_ne!(recover([4; 32], &redeemer), public);
    }

    /// The web app signs redemptions in the browser; `apps/web/test/voucher-vector.json`
    /// holds one, which the app's unit tests check too: both sides agree byte for byte.
    #[test]
    fn the_shared_redemption_vector_is_what_this_sdk_computes() {
        let vector: serde_json::Value =
            serde_json::from_str(include_str!("../../apps/web/test/voucher-vector.json")).unwrap();
        let text = |key: &str| vector[key].as_str().unwrap().to_string();
        let bytes = |key: &str| hex::decode(text(key)).unwrap();
        let ticket = VoucherTicket::parse(&text("payload")).unwrap();
        let token: &[u8; 32] = ticket.token.as_ref();
        assert_eq!(token.to_vec(), bytes("token"));
        assert_eq!(ticket.voucher_id.to_string(), text("voucher_id"));
        assert_eq!(ticket.secret.secret_bytes().to_vec(), bytes("secret"));
        assert_eq!(
            ticket.secret.public_key(SECP256K1).serialize().to_vec(),
            bytes("public_key")
        );
        let redeemer = AccountId::from(<[u8; 32]>::try_from(bytes("redeemer")).unwrap());
        let chain = <[u8; 32]>::try_from(bytes("chain")).unwrap();
        let token = ticket.deployment(chain);
        let preimage = voucher_preimage(&token, ticket.voucher_id, &redeemer).encode();
        assert_eq!(crate::blake2_256(&preimage).to_vec(), bytes("digest"));
        assert_eq!(
            ticket.sign_for(chain, &redeemer).to_vec(),
            bytes("signature")
        );
    }
}
