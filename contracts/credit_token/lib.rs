//! Credit token: the city's smart credit points, a standard PSP22 token.
//!
//! Minted (with a receipt saying which device and energy earned them) by Minters such as
//! the energy market; transferred, approved and burnt as PSP22 says; retired by industries
//! as carbon offsets; handed over as QR vouchers locked under a one-time secp256k1 key.
//! With identity gating on (a registry given to the constructor), credits move only
//! between active citizens of the identity registry and allow-listed accounts.
//!
//! The rules live in `credits/` (plain Rust); this module is the shell: it reads the
//! environment, asks the registry (gating), recovers signatures, and emits events.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub mod credits;
mod shell;

#[ink::contract]
mod credit_token {
    use crate::credits::Credits;
    use ink::prelude::{string::String, vec, vec::Vec};
    use interfaces::{
        token::{
            voucher_preimage, CreditMinter, Earning, Mint, MintReceipt, RetiredTotal, Retirement,
            RetirementClaim, TokenError, TokenRole, Voucher,
        },
        ChainBound, Deployment, GenesisHash, TimestampMs,
    };
    use psp22::{PSP22Burnable, PSP22Error, PSP22Metadata, PSP22Mintable, PSP22};

    #[ink(storage)]
    pub struct CreditToken {
        pub(crate) credits: Credits,
        name: Option<String>,
        symbol: Option<String>,
        decimals: u8,
        /// The identity registry that gates transfers, if gating is on.
        pub(crate) registry: Option<AccountId>,
        /// The genesis hash of the chain it is deployed on.
        chain: GenesisHash,
    }

    impl ChainBound for CreditToken {
        /// The genesis hash of the chain this contract was deployed on (I-1).
        #[ink(message)]
        fn chain_id(&self) -> GenesisHash {
            self.chain
        }
    }

    impl CreditToken {
        /// Deploys the token: `initial_supply` goes to the caller, who becomes admin.
        /// With `registry` set, transfers are gated on the registry's active citizens
        /// (plus the allow-list); with `None`, the token is an ordinary PSP22. `chain` is
        /// the genesis hash of the chain it is deployed on (voucher signatures bind it).
        #[ink(constructor)]
        pub fn new(
            initial_supply: u128,
            name: Option<String>,
            symbol: Option<String>,
            decimals: u8,
            registry: Option<AccountId>,
            chain: GenesisHash,
        ) -> Self {
            let (credits, events) = Credits::new(Self::env().caller(), initial_supply);
            let contract = Self {
                credits,
                name,
                symbol,
                decimals,
                registry,
                chain,
            };
            contract.emit(events);
            contract
        }

        // ----- admin, roles, pause, gating --------------------------------------------------

        /// The admin: grants roles, pauses, keeps the allow-list.
        #[ink(message)]
        pub fn admin(&self) -> AccountId {
            self.credits.admin()
        }

        /// The account proposed as next admin, if a handover is under way.
        #[ink(message)]
        pub fn pending_admin(&self) -> Option<AccountId> {
            self.credits.pending_admin()
        }

        /// Admin only (`NotAdmin`): proposes the next admin, who must `accept_admin`.
        /// Emits `AdminTransferProposed`.
        #[ink(message)]
        pub fn propose_admin(&mut self, proposed: AccountId) -> Result<(), TokenError> {
            let outcome = self.credits.propose_admin(self.env().caller(), proposed);
            self.apply(outcome)
        }

        /// The proposed admin takes over (`NotPendingAdmin`). Emits `AdminChanged`.
        #[ink(message)]
        pub fn accept_admin(&mut self) -> Result<(), TokenError> {
            let outcome = self.credits.accept_admin(self.env().caller());
            self.apply(outcome)
        }

        /// Admin only: grants a role, e.g. Minter to the energy market (`NotAdmin`,
        /// `RoleAlreadyGranted`). Emits `TokenRoleGranted`.
        #[ink(message)]
        pub fn grant_role(
            &mut self,
            role: TokenRole,
            account: AccountId,
        ) -> Result<(), TokenError> {
            let outcome = self.credits.grant_role(self.env().caller(), role, account);
            self.apply(outcome)
        }

        /// Admin only: revokes a role (`NotAdmin`, `RoleNotGranted`). Emits `TokenRoleRevoked`.
        #[ink(message)]
        pub fn revoke_role(
            &mut self,
            role: TokenRole,
            account: AccountId,
        ) -> Result<(), TokenError> {
            let outcome = self.credits.revoke_role(self.env().caller(), role, account);
            self.apply(outcome)
        }

        /// Whether `account` has `role`.
        #[ink(message)]
        pub fn has_role(&self, role: TokenRole, account: AccountId) -> bool {
            self.credits.has_role(role, account)
        }

        /// Admin only: stops every balance change (transfers, mints, burns, retirements,
        /// vouchers) for an emergency (`NotAdmin`, `PauseUnchanged`). Emits `PauseChanged`.
        #[ink(message)]
        pub fn pause(&mut self) -> Result<(), TokenError> {
            let outcome = self.credits.set_paused(self.env().caller(), true);
            self.apply(outcome)
        }

        /// Admin only: resumes balance changes (`NotAdmin`, `PauseUnchanged`). Emits `PauseChanged`.
        #[ink(message)]
        pub fn unpause(&mut self) -> Result<(), TokenError> {
            let outcome = self.credits.set_paused(self.env().caller(), false);
            self.apply(outcome)
        }

        /// Whether balance changes are paused.
        #[ink(message)]
        pub fn is_paused(&self) -> bool {
            self.credits.is_paused()
        }

        /// The registry gating transfers, or `None` when gating is off.
        #[ink(message)]
        pub fn gating_registry(&self) -> Option<AccountId> {
            self.registry
        }

        /// Admin only: lets a non-citizen (another contract: the market, the parking
        /// escrow, an industry) send and receive gated credits, or takes that back
        /// (`NotAdmin`, `AllowListUnchanged`). Emits `AllowListChanged`.
        #[ink(message)]
        pub fn set_allow_listed(
            &mut self,
            account: AccountId,
            allowed: bool,
        ) -> Result<(), TokenError> {
            let outcome = self
                .credits
                .set_allow_listed(self.env().caller(), account, allowed);
            self.apply(outcome)
        }

        /// Whether `account` is on the gating allow-list.
        #[ink(message)]
        pub fn is_allow_listed(&self, account: AccountId) -> bool {
            self.credits.is_allow_listed(account)
        }

        // ----- receipts ------------------------------------------------------------------------

        /// Minter only: mints `amount` to `to` with a receipt of what earned it; returns
        /// the receipt id (`NotMinter`, `Paused`, `ZeroAmount`, `SupplyOverflow`).
        /// Emits `Transfer` and `ReceiptsIssued`.
        #[ink(message)]
        pub fn mint_with_receipt(
            &mut self,
            to: AccountId,
            amount: u128,
            earning: Earning,
        ) -> Result<u64, TokenError> {
            let ids = self.mint_batch(vec![Mint {
                to,
                amount,
                earning,
            }])?;
            ids.first().copied().ok_or(TokenError::ZeroAmount)
        }

        /// The mint receipt `id`.
        #[ink(message)]
        pub fn receipt(&self, id: u64) -> Option<MintReceipt> {
            self.credits.receipt(id)
        }

        // ----- carbon retirement -----------------------------------------------------------------

        /// Admin only: the grams of CO2e one whole credit may be retired for (`NotAdmin`).
        /// Emits `Co2eRateChanged`.
        #[ink(message)]
        pub fn set_co2e_rate(&mut self, grams_per_credit: u128) -> Result<(), TokenError> {
            let outcome = self
                .credits
                .set_co2e_rate(self.env().caller(), grams_per_credit);
            self.apply(outcome)
        }

        /// Grams of CO2e one whole credit may be retired for.
        #[ink(message)]
        pub fn co2e_rate(&self) -> u128 {
            self.credits.co2e_rate()
        }

        /// The caller burns `amount` credits as a carbon offset for `claim.beneficiary`,
        /// standing for `claim.grams_co2e` (at most `amount` x `co2e_rate` / 10^6), for the
        /// period and purpose (the hash of its off-chain statement) the claim names; the
        /// caller's receipts it names are consumed, the last split when it stands for more
        /// than the amount needs. Returns the retirement id (`Paused`, `ZeroAmount`,
        /// `ClaimExceedsRate`, `InvalidPeriod`, `BatchTooLarge`, `ReceiptNotFound`,
        /// `NotReceiptOwner`, `ReceiptInVoucher`, `ReceiptRetired`, `ReceiptsExceedAmount`,
        /// `PSP22(InsufficientBalance)`). Emits `Transfer`, `ReceiptSplit` for a split
        /// receipt, and `CreditsRetired`.
        #[ink(message)]
        pub fn retire(&mut self, amount: u128, claim: RetirementClaim) -> Result<u64, TokenError> {
            let now = self.now();
            let (id, events) = self
                .credits
                .retire(self.env().caller(), amount, claim, now)?;
            self.emit(events);
            Ok(id)
        }

        /// The retirement `id`.
        #[ink(message)]
        pub fn retirement(&self, id: u64) -> Option<Retirement> {
            self.credits.retirement(id)
        }

        /// What has been retired for `account` (as beneficiary) in all.
        #[ink(message)]
        pub fn retired_total(&self, account: AccountId) -> RetiredTotal {
            self.credits.retired_total(account)
        }

        // ----- vouchers -------------------------------------------------------------------------

        /// Locks `amount` of the caller's credits under the one-time public key `key`
        /// until `expires_at_ms`, attaching receipts the caller holds as provenance;
        /// returns the voucher id (`Paused`, `ZeroAmount`, `InvalidVoucherKey`,
        /// `ExpiryInPast`, `BatchTooLarge`, `ReceiptNotFound`, `NotReceiptOwner`,
        /// `ReceiptInVoucher`, `PSP22(InsufficientBalance)`, gating refusals).
        /// Emits `Transfer` (to this contract) and `VoucherCreated`.
        #[ink(message)]
        pub fn create_voucher(
            &mut self,
            amount: u128,
            key: [u8; 33],
            expires_at_ms: TimestampMs,
            receipts: Vec<u64>,
        ) -> Result<u64, TokenError> {
            let (caller, me, now) = (self.env().caller(), self.env().account_id(), self.now());
            self.ensure_may_move(caller, me)?;
            let (id, events) = self.credits.create_voucher(
                caller,
                me,
                amount,
                key,
                expires_at_ms,
                receipts,
                now,
            )?;
            self.emit(events);
            Ok(id)
        }

        /// Pays voucher `id` to the caller, who presents the one-time key's recoverable
        /// signature (65 bytes) over `blake2-256("smartcity/voucher/v2" ++ this token ++
        /// chain_id ++ SCALE(id) ++ caller)` (`VoucherNotFound`, `VoucherClosed`, `VoucherExpired`,
        /// `BadSignature`, `Paused`, gating refusals). Emits `Transfer` and `VoucherRedeemed`.
        #[ink(message)]
        pub fn redeem_voucher(&mut self, id: u64, signature: [u8; 65]) -> Result<(), TokenError> {
            let (caller, me, now) = (self.env().caller(), self.env().account_id(), self.now());
            let token = Deployment::here(self.chain);
            let signer_key = voucher_preimage(&token, id, &caller).signer(&signature);
            self.ensure_may_move(me, caller)?;
            let outcome = self.credits.redeem_voucher(caller, me, id, signer_key, now);
            self.apply(outcome)
        }

        /// The creator takes back an expired, unredeemed voucher (`VoucherNotFound`,
        /// `VoucherClosed`, `NotVoucherCreator`, `VoucherNotExpired`, `Paused`). Not gated:
        /// a creator always gets its own credits back. Emits `Transfer` and `VoucherReclaimed`.
        #[ink(message)]
        pub fn reclaim_voucher(&mut self, id: u64) -> Result<(), TokenError> {
            let (caller, me, now) = (self.env().caller(), self.env().account_id(), self.now());
            let outcome = self.credits.reclaim_voucher(caller, me, id, now);
            self.apply(outcome)
        }

        /// The voucher `id`, in whatever state.
        #[ink(message)]
        pub fn voucher(&self, id: u64) -> Option<Voucher> {
            self.credits.voucher(id)
        }
    }

    impl CreditMinter for CreditToken {
        /// Minter only: mints each item to its recipient with a receipt, all or nothing;
        /// returns the receipt ids in order (`NotMinter`, `Paused`, `BatchTooLarge`,
        /// `ZeroAmount`, `SupplyOverflow`). Emits `Transfer` per item and one `ReceiptsIssued`.
        #[ink(message)]
        fn mint_batch(&mut self, mints: Vec<Mint>) -> Result<Vec<u64>, TokenError> {
            let now = self.now();
            let (ids, events) = self.credits.mint_batch(self.env().caller(), mints, now)?;
            self.emit(events);
            Ok(ids)
        }
    }

    impl PSP22 for CreditToken {
        #[ink(message)]
        fn total_supply(&self) -> u128 {
            self.credits.total_supply()
        }

        #[ink(message)]
        fn balance_of(&self, owner: AccountId) -> u128 {
            self.credits.balance_of(owner)
        }

        #[ink(message)]
        fn allowance(&self, owner: AccountId, spender: AccountId) -> u128 {
            self.credits.allowance(owner, spender)
        }

        /// PSP22 transfer. Refusals beyond the standard's come as `Custom("Paused")`,
        /// `Custom("RecipientIsToken")` (credits sent here would be stuck),
        /// `Custom("SenderNotAllowed")`, `Custom("RecipientNotAllowed")`,
        /// `Custom("Registry")`, `Custom("RegistryCallFailed")`.
        #[ink(message)]
        fn transfer(
            &mut self,
            to: AccountId,
            value: u128,
            _data: Vec<u8>,
        ) -> Result<(), PSP22Error> {
            let caller = self.env().caller();
            let outcome = self
                .ensure_recipient(to)
                .and_then(|()| self.ensure_may_move(caller, to))
                .and_then(|()| self.credits.transfer(caller, to, value));
            self.apply(outcome).map_err(TokenError::into_psp22)
        }

        /// PSP22 transfer_from; refusals as for `transfer`.
        #[ink(message)]
        fn transfer_from(
            &mut self,
            from: AccountId,
            to: AccountId,
            value: u128,
            _data: Vec<u8>,
        ) -> Result<(), PSP22Error> {
            let caller = self.env().caller();
            let outcome = self
                .ensure_recipient(to)
                .and_then(|()| self.ensure_may_move(from, to))
                .and_then(|()| self.credits.transfer_from(caller, from, to, value));
            self.apply(outcome).map_err(TokenError::into_psp22)
        }

        #[ink(message)]
        fn approve(&mut self, spender: AccountId, value: u128) -> Result<(), PSP22Error> {
            let outcome = self.credits.approve(self.env().caller(), spender, value);
            self.apply(outcome).map_err(TokenError::into_psp22)
        }

        #[ink(message)]
        fn increase_allowance(
            &mut self,
            spender: AccountId,
            delta_value: u128,
        ) -> Result<(), PSP22Error> {
            let outcome =
                self.credits
                    .increase_allowance(self.env().caller(), spender, delta_value);
            self.apply(outcome).map_err(TokenError::into_psp22)
        }

        #[ink(message)]
        fn decrease_allowance(
            &mut self,
            spender: AccountId,
            delta_value: u128,
        ) -> Result<(), PSP22Error> {
            let outcome =
                self.credits
                    .decrease_allowance(self.env().caller(), spender, delta_value);
            self.apply(outcome).map_err(TokenError::into_psp22)
        }
    }

    impl PSP22Metadata for CreditToken {
        #[ink(message)]
        fn token_name(&self) -> Option<String> {
            self.name.clone()
        }

        #[ink(message)]
        fn token_symbol(&self) -> Option<String> {
            self.symbol.clone()
        }

        #[ink(message)]
        fn token_decimals(&self) -> u8 {
            self.decimals
        }
    }

    impl PSP22Mintable for CreditToken {
        /// Minter only: mints `value` to the caller, without a receipt
        /// (`Custom("NotMinter")`, `Custom("Paused")`, `Custom("SupplyOverflow")`).
        #[ink(message)]
        fn mint(&mut self, value: u128) -> Result<(), PSP22Error> {
            let caller = self.env().caller();
            let outcome = self.credits.mint(caller, caller, value);
            self.apply(outcome).map_err(TokenError::into_psp22)
        }
    }

    impl PSP22Burnable for CreditToken {
        /// The caller burns its own credits (`InsufficientBalance`, `Custom("Paused")`).
        #[ink(message)]
        fn burn(&mut self, value: u128) -> Result<(), PSP22Error> {
            let outcome = self.credits.burn(self.env().caller(), value);
            self.apply(outcome).map_err(TokenError::into_psp22)
        }
    }

    // The psp22 crate's conformance suite, run with gating off. Its accounts send to alice,
    // which the off-chain engine also makes the contract's own account unless told
    // otherwise: the token refuses credits sent to itself (L-9).
    #[cfg(test)]
    psp22::tests!(
        CreditToken,
        (|supply| {
            ink::env::test::set_callee::<ink::env::DefaultEnvironment>(AccountId::from([0xEE; 32]));
            CreditToken::new(supply, None, None, 0, None, [7; 32])
        })
    );

    #[cfg(test)]
    mod shell_tests {
        use super::*;
        use ink::env::{test, DefaultEnvironment};
        use secp256k1::{Message, SecretKey, SECP256K1};

        #[ink::test]
        fn voucher_redeems_with_the_one_time_keys_signature_only() {
            let accounts = test::default_accounts::<DefaultEnvironment>();
            test::set_caller::<DefaultEnvironment>(accounts.alice);
            let mut token = CreditToken::new(100, None, None, 0, None, [7; 32]);
            let secret = SecretKey::from_slice(&[42; 32]).unwrap();
            let key = secret.public_key(SECP256K1).serialize();
            let id = token.create_voucher(40, key, u64::MAX, Vec::new()).unwrap();

            let sign_on = |chain: GenesisHash, redeemer: AccountId| {
                let token = Deployment {
                    contract: ink::env::account_id::<DefaultEnvironment>(),
                    chain,
                };
                let digest = voucher_preimage(&token, id, &redeemer).digest();
                let (recovery, compact) = SECP256K1
                    .sign_ecdsa_recoverable(&Message::from_digest(digest), &secret)
                    .serialize_compact();
                let mut signature = [0u8; 65];
                signature[..64].copy_from_slice(&compact);
                signature[64] = recovery.to_i32() as u8;
                signature
            };
            assert_eq!(token.chain_id(), [7; 32]);
            // Bob's signature for the same token address on another chain: refused (I-1)
            test::set_caller::<DefaultEnvironment>(accounts.bob);
            assert_eq!(
                token.redeem_voucher(id, sign_on([8; 32], accounts.bob)),
                Err(TokenError::BadSignature)
            );
            // Bob's signature, front-run by Eve: refused, as the digest binds the redeemer
            let bobs = sign_on([7; 32], accounts.bob);
            test::set_caller::<DefaultEnvironment>(accounts.eve);
            assert_eq!(
                token.redeem_voucher(id, bobs),
                Err(TokenError::BadSignature)
            );
            test::set_caller::<DefaultEnvironment>(accounts.bob);
            token.redeem_voucher(id, bobs).unwrap();
            assert_eq!(token.balance_of(accounts.bob), 40);
            assert_eq!(
                token.redeem_voucher(id, bobs),
                Err(TokenError::VoucherClosed)
            );
        }

        #[ink::test]
        fn own_refusals_reach_psp22_callers_by_name() {
            let accounts = test::default_accounts::<DefaultEnvironment>();
            test::set_caller::<DefaultEnvironment>(accounts.alice);
            let mut token = CreditToken::new(
                100,
                Some("Smart Credit".into()),
                Some("SCP".into()),
                6,
                None,
                [7; 32],
            );
            token.pause().unwrap();
            assert_eq!(
                token.transfer(accounts.bob, 1, Vec::new()),
                Err(PSP22Error::Custom(String::from("Paused")))
            );
            assert_eq!(
                token.mint(1),
                Err(PSP22Error::Custom(String::from("NotMinter")))
            );
            assert_eq!(token.token_decimals(), 6);
        }
    }
}
