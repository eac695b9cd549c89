//! The credit token's edge: smart credit points as a PSP22 token (the `psp22` crate's
//! traits), plus minting with receipts, carbon retirement and QR vouchers.

use crate::{
    signed::SignedPayload, AccountId, Deployment, DeviceId, EnergySource, Hash32, RegistryError,
    TimestampMs,
};
use alloc::vec::Vec;
pub use psp22::{PSP22Error, PSP22};

/// What earned some minted credits: the provenance a receipt records.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Earning {
    /// The meter or charger that measured the energy.
    pub device: DeviceId,
    pub source: EnergySource,
    pub period_start_ms: TimestampMs,
    pub period_end_ms: TimestampMs,
    pub energy_wh: u64,
}

/// A mint with its provenance, stored and queryable by id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct MintReceipt {
    /// Who holds the receipt: the recipient of the mint, or whoever redeemed a voucher it was attached to.
    pub owner: AccountId,
    pub amount: u128,
    pub earning: Earning,
    pub minted_by: AccountId,
    pub minted_at_ms: TimestampMs,
    /// The open voucher this receipt travels with, if any.
    pub voucher: Option<u64>,
    /// The retirement that consumed this receipt, if any (M-9): its credits are burnt, and
    /// it goes with no voucher or retirement again.
    pub retirement: Option<u64>,
}

/// One mint of a batch: `amount` credits to `to`, earned as `earning` says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct Mint {
    pub to: AccountId,
    pub amount: u128,
    pub earning: Earning,
}

/// What a retirement claims, besides the credits it burns (M-9): for whom, why, for which
/// period, and which of the retiring account's mint receipts the credits are.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct RetirementClaim {
    /// Whom the offset is for: the retiring account itself, or the company or household it
    /// retires for. Its `retired_total` counts the offset.
    pub beneficiary: AccountId,
    /// The grams of CO2-equivalent claimed: at most the amount at the admin-set rate.
    pub grams_co2e: u128,
    /// blake2-256 of the purpose statement, kept off chain (the report, the certificate).
    pub purpose_hash: Hash32,
    /// The period whose emissions the offset is claimed for, `[start, end)`.
    pub period_start_ms: TimestampMs,
    pub period_end_ms: TimestampMs,
    /// The retiring account's receipts its credits are, consumed; at most
    /// `MAX_VOUCHER_RECEIPTS`, standing together for at most the amount (the last one is
    /// split when it stands for more).
    pub receipts: Vec<u64>,
}

/// Credits burnt as a carbon offset.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Retirement {
    /// Who burnt the credits.
    pub account: AccountId,
    /// Whom the offset is for.
    pub beneficiary: AccountId,
    pub amount: u128,
    /// The grams of CO2-equivalent the retired credits stand for.
    pub grams_co2e: u128,
    /// blake2-256 of the off-chain purpose statement.
    pub purpose_hash: Hash32,
    pub period_start_ms: TimestampMs,
    pub period_end_ms: TimestampMs,
    /// The mint receipts consumed (their provenance: who earned the credits, and how).
    pub receipts: Vec<u64>,
    pub retired_at_ms: TimestampMs,
}

/// Running totals of the retirements made for an account (as beneficiary).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct RetiredTotal {
    pub amount: u128,
    pub grams_co2e: u128,
}

/// Where a voucher stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum VoucherState {
    /// Credits locked, waiting for the holder of the one-time key.
    Open,
    Redeemed {
        by: AccountId,
        at_ms: TimestampMs,
    },
    /// Taken back by its creator after expiry.
    Reclaimed {
        at_ms: TimestampMs,
    },
}

/// Credits locked under a one-time secp256k1 key: the paper's QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Voucher {
    pub creator: AccountId,
    pub amount: u128,
    /// Compressed public key of the one-time key the QR code carries.
    pub key: [u8; 33],
    pub expires_at_ms: TimestampMs,
    /// Mint receipts (provenance) attached by the creator; they move to the redeemer.
    pub receipts: Vec<u64>,
    pub state: VoucherState,
}

/// The most receipts one voucher may carry.
pub const MAX_VOUCHER_RECEIPTS: u32 = 8;
/// The most mints one `mint_batch` call may carry (the energy market splits a batch that
/// pays more households). About 120 bytes each: 31 KB inside the contracts' buffer.
pub const MAX_MINT_BATCH: u32 = 256;

/// Domain of a voucher redemption signature:
/// `blake2-256(VOUCHER_DOMAIN ++ token ++ chain ++ SCALE(id) ++ redeemer)` (v2: bound to the chain).
pub const VOUCHER_DOMAIN: &[u8] = b"smartcity/voucher/v2";

/// The preimage a voucher's one-time key signs (its blake2-256) to let `redeemer` redeem voucher `id` of the
/// token deployment `token`. Binding the redeemer stops a watcher of the transaction pool
/// from replaying the signature for itself; binding the token and its chain stops replays on
/// another deployment or another chain.
pub fn voucher_preimage<'a>(
    token: &'a Deployment,
    id: u64,
    redeemer: &'a AccountId,
) -> SignedPayload<'a, (u64, &'a AccountId)> {
    // domain (20) ++ token (32) ++ chain (32) ++ id (8) ++ redeemer (32)
    SignedPayload::new(VOUCHER_DOMAIN, token, (id, redeemer))
}

/// A role of the credit token, granted and revoked by its admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum TokenRole {
    /// May mint (the energy market).
    Minter,
}

/// Every refusal of the credit token's own messages. PSP22 messages return `PSP22Error`
/// as the standard says, with this contract's refusals as `PSP22Error::Custom(name)`.
#[derive(Debug, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum TokenError {
    /// A PSP22 refusal (insufficient balance or allowance).
    PSP22(PSP22Error),
    NotAdmin,
    NotPendingAdmin,
    /// The caller is not a Minter.
    NotMinter,
    RoleAlreadyGranted,
    RoleNotGranted,
    /// Transfers are paused by the admin.
    Paused,
    /// The token is already in the requested pause state.
    PauseUnchanged,
    /// Gating is on and the sender is neither an active citizen nor allow-listed.
    SenderNotAllowed,
    /// Gating is on and the recipient is neither an active citizen nor allow-listed.
    RecipientNotAllowed,
    /// The registry refused the gating query.
    Registry(RegistryError),
    /// The registry could not be asked (no contract there, trapped, wrong contract).
    RegistryCallFailed,
    /// The account is already on (or not on) the allow-list.
    AllowListUnchanged,
    /// Amounts must be positive.
    ZeroAmount,
    /// More items than the batch limit (`MAX_MINT_BATCH`, `MAX_VOUCHER_RECEIPTS`).
    BatchTooLarge,
    /// The total supply would exceed u128.
    SupplyOverflow,
    ReceiptNotFound,
    /// The caller does not hold that receipt.
    NotReceiptOwner,
    /// The receipt already travels with an open voucher.
    ReceiptInVoucher,
    VoucherNotFound,
    /// The voucher was redeemed or reclaimed already.
    VoucherClosed,
    /// The voucher's expiry has passed: it can only be reclaimed.
    VoucherExpired,
    /// The voucher has not expired yet: its creator cannot reclaim it.
    VoucherNotExpired,
    /// Only the voucher's creator may reclaim it.
    NotVoucherCreator,
    /// The signature is not the voucher key's over this redeemer's digest.
    BadSignature,
    /// The voucher key is not a compressed secp256k1 public key.
    InvalidVoucherKey,
    /// An expiry must be in the future.
    ExpiryInPast,
    /// Credits sent to the token contract itself would be stuck (security review L-9).
    RecipientIsToken,
    /// The receipts attached to a voucher stand for more credits than it carries (L-8).
    ReceiptsExceedAmount,
    /// A retirement claims more CO2e than its amount backs at the admin-set rate (M-9).
    ClaimExceedsRate,
    /// A retirement's period is empty (its start not before its end).
    InvalidPeriod,
    /// The receipt was consumed by a retirement already.
    ReceiptRetired,
}

impl TokenError {
    /// The variant's name: what PSP22 messages return as `PSP22Error::Custom` for this
    /// contract's own refusals (paused, gated, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::PSP22(_) => "PSP22",
            Self::NotAdmin => "NotAdmin",
            Self::NotPendingAdmin => "NotPendingAdmin",
            Self::NotMinter => "NotMinter",
            Self::RoleAlreadyGranted => "RoleAlreadyGranted",
            Self::RoleNotGranted => "RoleNotGranted",
            Self::Paused => "Paused",
            Self::PauseUnchanged => "PauseUnchanged",
            Self::SenderNotAllowed => "SenderNotAllowed",
            Self::RecipientNotAllowed => "RecipientNotAllowed",
            Self::Registry(_) => "Registry",
            Self::RegistryCallFailed => "RegistryCallFailed",
            Self::AllowListUnchanged => "AllowListUnchanged",
            Self::ZeroAmount => "ZeroAmount",
            Self::BatchTooLarge => "BatchTooLarge",
            Self::SupplyOverflow => "SupplyOverflow",
            Self::ReceiptNotFound => "ReceiptNotFound",
            Self::NotReceiptOwner => "NotReceiptOwner",
            Self::ReceiptInVoucher => "ReceiptInVoucher",
            Self::VoucherNotFound => "VoucherNotFound",
            Self::VoucherClosed => "VoucherClosed",
            Self::VoucherExpired => "VoucherExpired",
            Self::VoucherNotExpired => "VoucherNotExpired",
            Self::NotVoucherCreator => "NotVoucherCreator",
            Self::BadSignature => "BadSignature",
            Self::InvalidVoucherKey => "InvalidVoucherKey",
            Self::ExpiryInPast => "ExpiryInPast",
            Self::RecipientIsToken => "RecipientIsToken",
            Self::ReceiptsExceedAmount => "ReceiptsExceedAmount",
            Self::ClaimExceedsRate => "ClaimExceedsRate",
            Self::InvalidPeriod => "InvalidPeriod",
            Self::ReceiptRetired => "ReceiptRetired",
        }
    }

    /// This error as a PSP22 message returns it.
    pub fn into_psp22(self) -> PSP22Error {
        match self {
            Self::PSP22(error) => error,
            other => PSP22Error::Custom(alloc::string::String::from(other.name())),
        }
    }
}

impl From<crate::admin::AdminRefusal> for TokenError {
    fn from(refusal: crate::admin::AdminRefusal) -> Self {
        match refusal {
            crate::admin::AdminRefusal::NotAdmin => Self::NotAdmin,
            crate::admin::AdminRefusal::NotPendingAdmin => Self::NotPendingAdmin,
        }
    }
}

impl From<PSP22Error> for TokenError {
    fn from(error: PSP22Error) -> Self {
        Self::PSP22(error)
    }
}

impl From<RegistryError> for TokenError {
    fn from(error: RegistryError) -> Self {
        Self::Registry(error)
    }
}

/// Events of the credit token beyond PSP22's `Transfer` and `Approval`.
pub mod events {
    use super::*;
    pub use crate::admin_events::{AdminChanged, AdminTransferProposed};
    pub use psp22::{Approval, Transfer};

    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TokenRoleGranted {
        #[ink(topic)]
        pub account: AccountId,
        pub role: TokenRole,
    }

    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TokenRoleRevoked {
        #[ink(topic)]
        pub account: AccountId,
        pub role: TokenRole,
    }

    /// The admin paused (`true`) or resumed (`false`) transfers.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PauseChanged {
        pub paused: bool,
        pub by: AccountId,
    }

    /// The admin put `account` on (or took it off) the gating allow-list.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AllowListChanged {
        #[ink(topic)]
        pub account: AccountId,
        pub allowed: bool,
    }

    /// A mint call stored receipts `first_receipt_id .. first_receipt_id + count` (each
    /// mint's `Transfer` from `None` is emitted too). One event per call, not per receipt:
    /// each event costs about 7.5 KB of proof; the receipts themselves are queryable.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ReceiptsIssued {
        #[ink(topic)]
        pub minted_by: AccountId,
        pub first_receipt_id: u64,
        pub count: u32,
    }

    /// A voucher took part of a receipt: `receipt_id` now stands for `amount` less, and
    /// the new receipt `part_id` (same earning, same mint) for `amount`, with the voucher.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ReceiptSplit {
        #[ink(topic)]
        pub receipt_id: u64,
        pub part_id: u64,
        pub amount: u128,
    }

    /// Credits burnt as a carbon offset (the `Transfer` to `None` is emitted too).
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CreditsRetired {
        #[ink(topic)]
        pub retirement_id: u64,
        #[ink(topic)]
        pub account: AccountId,
        #[ink(topic)]
        pub beneficiary: AccountId,
        pub amount: u128,
        pub grams_co2e: u128,
        pub purpose_hash: Hash32,
        pub period_start_ms: TimestampMs,
        pub period_end_ms: TimestampMs,
        pub receipts: Vec<u64>,
    }

    /// The admin set how many grams of CO2e one whole credit (10^6 micro-credits) may be
    /// retired for.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Co2eRateChanged {
        pub grams_per_credit: u128,
        pub by: AccountId,
    }

    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct VoucherCreated {
        #[ink(topic)]
        pub voucher_id: u64,
        #[ink(topic)]
        pub creator: AccountId,
        pub amount: u128,
        pub expires_at_ms: TimestampMs,
        pub receipts: Vec<u64>,
    }

    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct VoucherRedeemed {
        #[ink(topic)]
        pub voucher_id: u64,
        #[ink(topic)]
        pub redeemer: AccountId,
        pub amount: u128,
    }

    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct VoucherReclaimed {
        #[ink(topic)]
        pub voucher_id: u64,
        #[ink(topic)]
        pub creator: AccountId,
        pub amount: u128,
    }
}

/// What the energy market (a Minter) calls: mints that carry their provenance.
#[ink::trait_definition]
pub trait CreditMinter {
    /// Mints each item's credits to its recipient with a receipt; returns the receipt
    /// ids in order. All or nothing. Minter only; at most `MAX_MINT_BATCH` items.
    #[ink(message)]
    fn mint_batch(&mut self, mints: Vec<Mint>) -> Result<Vec<u64>, TokenError>;
}
