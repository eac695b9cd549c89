//! The committed credit_token artifact on the embedded sandbox chain, gated by the
//! committed identity_registry: minting with receipts, gated transfers, pause,
//! carbon retirement and QR vouchers, every refusal by its error.

use interfaces::{
    token::{
        Earning, Mint, PSP22Error, RetiredTotal, RetirementClaim, TokenError, TokenRole,
        VoucherState,
    },
    AccountId, CitizenStatus, Deployment, EnergySource, RegistryRole,
};
use secp256k1::SecretKey;
use smartcity_sandbox::SandboxChain;
use smartcity_sdk::{
    named_account,
    token::{token_events, TokenEvent},
    voucher::{one_time_key, sign_redemption, VoucherTicket},
    Chain, ClientError, RegistryClient, TokenClient, TokenConfig,
};
use smartcity_suite::artifacts;

const HOUR_MS: u64 = 3_600_000;

fn custom(name: &str) -> ClientError<PSP22Error> {
    ClientError::Contract(PSP22Error::Custom(name.into()))
}

fn refused(error: TokenError) -> ClientError<TokenError> {
    ClientError::Contract(error)
}

fn earning(wh: u64) -> Earning {
    Earning {
        device: smartcity_sdk::device_id("alice/rooftop"),
        source: EnergySource::Solar,
        period_start_ms: 0,
        period_end_ms: 900_000,
        energy_wh: wh,
    }
}

/// A registry with citizens Alice, Bob and Eve; a gated credit token; a Minter (standing
/// in for the energy market) and an allow-listed industry that is not a citizen.
struct Town {
    chain: SandboxChain,
    registry: RegistryClient,
    token: TokenClient,
    admin: AccountId,
    issuer: AccountId,
    minter: AccountId,
    industry: AccountId,
    alice: AccountId,
    bob: AccountId,
    eve: AccountId,
    stranger: AccountId,
}

impl Town {
    fn new() -> Self {
        Self::with_gating(true)
    }

    /// The token on its chain, as the token says: what voucher signatures bind (I-1).
    fn at(&mut self) -> Deployment {
        self.token.deployment(&mut self.chain).unwrap()
    }

    fn with_gating(gated: bool) -> Self {
        let mut chain = SandboxChain::new();
        let dir = artifacts::default_dir();
        let admin = named_account("admin");
        let issuer = named_account("issuer");
        let (alice, bob, eve) = (
            named_account("alice"),
            named_account("bob"),
            named_account("eve"),
        );
        let registry_wasm = artifacts::wasm(&dir, "identity_registry").unwrap();
        let registry = RegistryClient::deploy(&mut chain, admin, &registry_wasm, 4, vec![])
            .unwrap()
            .value;
        registry
            .grant_role(&mut chain, admin, RegistryRole::Issuer, issuer)
            .unwrap();
        for (name, account) in [("alice", alice), ("bob", bob), ("eve", eve)] {
            let id = smartcity_sdk::virtual_id(b"salt", name);
            registry
                .register_citizen(&mut chain, issuer, id, account)
                .unwrap();
        }
        let token_wasm = artifacts::wasm(&dir, "credit_token").unwrap();
        let gating = gated.then_some(registry.address());
        let token = TokenClient::deploy(
            &mut chain,
            admin,
            &token_wasm,
            TokenConfig::city(gating),
            vec![],
        )
        .unwrap()
        .value;
        let minter = named_account("energy-market");
        let industry = named_account("steel-works");
        token
            .grant_role(&mut chain, admin, TokenRole::Minter, minter)
            .unwrap();
        token
            .set_co2e_rate(&mut chain, admin, smartcity_suite::CO2E_GRAMS_PER_CREDIT)
            .unwrap();
        token
            .set_allow_listed(&mut chain, admin, industry, true)
            .unwrap();
        Town {
            chain,
            registry,
            token,
            admin,
            issuer,
            minter,
            industry,
            alice,
            bob,
            eve,
            stranger: named_account("stranger"),
        }
    }

    fn balance(&mut self, account: AccountId) -> u128 {
        self.token.balance_of(&mut self.chain, account).unwrap()
    }

    /// Mints `amount` to `to` with a receipt; returns the receipt id.
    fn earn(&mut self, to: AccountId, amount: u128) -> u64 {
        self.token
            .mint_with_receipt(&mut self.chain, self.minter, to, amount, earning(1_000))
            .unwrap()
            .value
    }

    /// The token contract's own balance: the escrow of open vouchers.
    fn escrow(&mut self) -> u128 {
        let me = self.token.address();
        self.balance(me)
    }
}

#[test]
fn minter_mints_with_receipts_and_nobody_else_can() {
    let mut town = Town::new();
    let (minter, alice, bob) = (town.minter, town.alice, town.bob);
    let receipt = town
        .token
        .mint_with_receipt(&mut town.chain, minter, alice, 1_500_000, earning(1_500))
        .unwrap();
    assert_eq!(
        token_events(&receipt.events)[0],
        TokenEvent::Transfer {
            from: None,
            to: Some(alice),
            value: 1_500_000
        }
    );
    assert!(
        matches!(&token_events(&receipt.events)[1], TokenEvent::ReceiptsIssued(e) if e.first_receipt_id == receipt.value && e.count == 1 && e.minted_by == minter)
    );
    let stored = town
        .token
        .receipt(&mut town.chain, receipt.value)
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            stored.owner,
            stored.amount,
            stored.minted_by,
            stored.earning
        ),
        (alice, 1_500_000, minter, earning(1_500))
    );

    let batch = vec![
        Mint {
            to: alice,
            amount: 10,
            earning: earning(10),
        },
        Mint {
            to: bob,
            amount: 20,
            earning: earning(20),
        },
    ];
    let ids = town
        .token
        .mint_batch(&mut town.chain, minter, batch.clone())
        .unwrap()
        .value;
    assert_eq!(ids, vec![receipt.value + 1, receipt.value + 2]);
    assert_eq!((town.balance(alice), town.balance(bob)), (1_500_010, 20));
    assert_eq!(town.token.total_supply(&mut town.chain).unwrap(), 1_500_030);

    assert_eq!(
        town.token
            .mint_batch(&mut town.chain, alice, batch)
            .unwrap_err(),
        refused(TokenError::NotMinter)
    );
    assert_eq!(
        town.token
            .mint_with_receipt(&mut town.chain, alice, alice, 5, earning(5))
            .unwrap_err(),
        refused(TokenError::NotMinter)
    );
    assert_eq!(
        town.token.mint(&mut town.chain, alice, 5).unwrap_err(),
        custom("NotMinter")
    );
    assert_eq!(
        town.token
            .grant_role(&mut town.chain, alice, TokenRole::Minter, alice)
            .unwrap_err(),
        refused(TokenError::NotAdmin)
    );
    let admin = town.admin;
    town.token
        .revoke_role(&mut town.chain, admin, TokenRole::Minter, minter)
        .unwrap();
    assert_eq!(
        town.token
            .mint_with_receipt(&mut town.chain, minter, alice, 5, earning(5))
            .unwrap_err(),
        refused(TokenError::NotMinter)
    );
    assert_eq!(town.token.total_supply(&mut town.chain).unwrap(), 1_500_030);
}

#[test]
fn gated_transfers_move_only_between_citizens_and_allow_listed_accounts() {
    let mut town = Town::new();
    let (alice, bob, stranger, industry) = (town.alice, town.bob, town.stranger, town.industry);
    town.earn(alice, 100);
    let sent = town
        .token
        .transfer(&mut town.chain, alice, bob, 30, vec![])
        .unwrap();
    println!(
        "gated PSP22::transfer (one registry call): ref_time {}, proof_size {}",
        sent.weight.ref_time, sent.weight.proof_size
    );
    assert_eq!(
        town.token
            .transfer(&mut town.chain, alice, stranger, 10, vec![])
            .unwrap_err(),
        custom("RecipientNotAllowed")
    );
    town.token
        .transfer(&mut town.chain, alice, industry, 10, vec![])
        .unwrap();
    assert_eq!(
        (
            town.balance(alice),
            town.balance(bob),
            town.balance(industry)
        ),
        (60, 30, 10)
    );

    // minting is not gated (minters are trusted contracts); a stranger's credits cannot move
    town.earn(stranger, 5);
    assert_eq!(
        town.token
            .transfer(&mut town.chain, stranger, alice, 5, vec![])
            .unwrap_err(),
        custom("SenderNotAllowed")
    );
    // transfer_from checks the owner and the recipient, not the spender
    town.token
        .approve(&mut town.chain, alice, stranger, 20)
        .unwrap();
    town.token
        .transfer_from(&mut town.chain, stranger, alice, bob, 20, vec![])
        .unwrap();
    assert_eq!(town.balance(bob), 50);

    // a suspended citizen can neither send nor receive
    let (issuer, bob_id) = (town.issuer, smartcity_sdk::virtual_id(b"salt", "bob"));
    town.registry
        .set_citizen_status(&mut town.chain, issuer, bob_id, CitizenStatus::Suspended)
        .unwrap();
    assert_eq!(
        town.token
            .transfer(&mut town.chain, alice, bob, 1, vec![])
            .unwrap_err(),
        custom("RecipientNotAllowed")
    );
    assert_eq!(
        town.token
            .transfer(&mut town.chain, bob, alice, 1, vec![])
            .unwrap_err(),
        custom("SenderNotAllowed")
    );
    assert_eq!((town.balance(alice), town.balance(bob)), (40, 50));
    assert_eq!(
        town.token
            .transfer(&mut town.chain, alice, industry, 41, vec![])
            .unwrap_err(),
        ClientError::Contract(PSP22Error::InsufficientBalance)
    );
}

/// Security review L-9: credits sent to the token contract itself (with `transfer` or
/// `transfer_from`) would be stuck and break "the token's balance is the open vouchers'".
#[test]
fn credits_cannot_be_sent_to_the_token_itself() {
    let mut town = Town::new();
    let (alice, bob) = (town.alice, town.bob);
    let me = town.token.address();
    town.earn(alice, 100);
    assert_eq!(
        town.token
            .transfer(&mut town.chain, alice, me, 10, vec![])
            .unwrap_err(),
        custom("RecipientIsToken")
    );
    town.token.approve(&mut town.chain, alice, bob, 50).unwrap();
    assert_eq!(
        town.token
            .transfer_from(&mut town.chain, bob, alice, me, 10, vec![])
            .unwrap_err(),
        custom("RecipientIsToken")
    );
    assert_eq!((town.balance(alice), town.escrow()), (100, 0));
}

#[test]
fn ungated_token_weighs_less_per_transfer() {
    let mut gated = Town::with_gating(true);
    let mut open = Town::with_gating(false);
    let mut weights = Vec::new();
    for town in [&mut gated, &mut open] {
        let (alice, bob) = (town.alice, town.bob);
        town.earn(alice, 100);
        weights.push(
            town.token
                .transfer(&mut town.chain, alice, bob, 30, vec![])
                .unwrap()
                .weight,
        );
    }
    println!(
        "PSP22::transfer gated {:?} vs ungated {:?}",
        weights[0], weights[1]
    );
    assert!(weights[0].ref_time > weights[1].ref_time);
    // ungated, anyone may hold credits
    let (alice, stranger) = (open.alice, open.stranger);
    open.token
        .transfer(&mut open.chain, alice, stranger, 1, vec![])
        .unwrap();
    assert_eq!(open.balance(stranger), 1);
}

#[test]
fn a_gating_registry_that_cannot_answer_is_a_named_error() {
    let mut chain = SandboxChain::new();
    let admin = named_account("admin");
    let wasm = artifacts::wasm(&artifacts::default_dir(), "credit_token").unwrap();
    let nowhere = named_account("not-a-registry");
    let config = TokenConfig {
        initial_supply: 10,
        ..TokenConfig::city(Some(nowhere))
    };
    let token = TokenClient::deploy(&mut chain, admin, &wasm, config, vec![])
        .unwrap()
        .value;
    assert_eq!(
        token
            .transfer(&mut chain, admin, named_account("bob"), 1, vec![])
            .unwrap_err(),
        custom("RegistryCallFailed")
    );
}

#[test]
fn pause_stops_every_balance_change() {
    let mut town = Town::new();
    let (admin, alice, bob, minter) = (town.admin, town.alice, town.bob, town.minter);
    town.earn(alice, 50);
    assert_eq!(
        town.token.pause(&mut town.chain, alice).unwrap_err(),
        refused(TokenError::NotAdmin)
    );
    town.token.pause(&mut town.chain, admin).unwrap();
    assert!(town.token.is_paused(&mut town.chain).unwrap());
    assert_eq!(
        town.token.pause(&mut town.chain, admin).unwrap_err(),
        refused(TokenError::PauseUnchanged)
    );
    assert_eq!(
        town.token
            .transfer(&mut town.chain, alice, bob, 1, vec![])
            .unwrap_err(),
        custom("Paused")
    );
    assert_eq!(
        town.token
            .mint_with_receipt(&mut town.chain, minter, alice, 1, earning(1))
            .unwrap_err(),
        refused(TokenError::Paused)
    );
    assert_eq!(
        town.token
            .retire(&mut town.chain, alice, 1, offset(alice, 1, [0; 32], vec![]))
            .unwrap_err(),
        refused(TokenError::Paused)
    );
    let (_, key) = one_time_key();
    assert_eq!(
        town.token
            .create_voucher(&mut town.chain, alice, 1, key, u64::MAX, vec![])
            .unwrap_err(),
        refused(TokenError::Paused)
    );
    town.token.unpause(&mut town.chain, admin).unwrap();
    town.token
        .transfer(&mut town.chain, alice, bob, 1, vec![])
        .unwrap();
    assert_eq!(town.balance(bob), 1);
}

#[test]
fn industry_retires_credits_as_a_recorded_offset() {
    let mut town = Town::new();
    let (alice, industry) = (town.alice, town.industry);
    town.earn(alice, 5_000_000);
    town.token
        .transfer(&mut town.chain, alice, industry, 3_000_000, vec![])
        .unwrap();
    let note = smartcity_sdk::blake2_256(b"steel works 2026 offset claim");
    // a claim beyond what 2 credits back at the city's 700 g per credit (M-9)
    assert_eq!(
        town.token
            .retire(
                &mut town.chain,
                industry,
                2_000_000,
                offset(industry, 1_401, note, vec![]),
            )
            .unwrap_err(),
        refused(TokenError::ClaimExceedsRate)
    );
    let retired = town
        .token
        .retire(
            &mut town.chain,
            industry,
            2_000_000,
            offset(industry, 1_400, note, vec![]),
        )
        .unwrap();
    let events = token_events(&retired.events);
    assert_eq!(
        events[0],
        TokenEvent::Transfer {
            from: Some(industry),
            to: None,
            value: 2_000_000
        }
    );
    assert!(
        matches!(&events[1], TokenEvent::CreditsRetired(e) if e.grams_co2e == 1_400 && e.purpose_hash == note && e.beneficiary == industry)
    );
    let record = town
        .token
        .retirement(&mut town.chain, retired.value)
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.account, record.amount, record.grams_co2e),
        (industry, 2_000_000, 1_400)
    );
    assert_eq!(record.retired_at_ms, town.chain.now_ms());
    town.token
        .retire(
            &mut town.chain,
            industry,
            500_000,
            offset(industry, 350, note, vec![]),
        )
        .unwrap();
    assert_eq!(
        town.token.retired_total(&mut town.chain, industry).unwrap(),
        RetiredTotal {
            amount: 2_500_000,
            grams_co2e: 1_750
        }
    );
    assert_eq!(town.token.total_supply(&mut town.chain).unwrap(), 2_500_000);
    assert_eq!(
        town.token
            .retire(
                &mut town.chain,
                industry,
                500_001,
                offset(industry, 1, note, vec![]),
            )
            .unwrap_err(),
        refused(TokenError::PSP22(PSP22Error::InsufficientBalance))
    );
    assert_eq!(
        town.token
            .retire(
                &mut town.chain,
                industry,
                0,
                offset(industry, 1, note, vec![]),
            )
            .unwrap_err(),
        refused(TokenError::ZeroAmount)
    );
    // M-9: Alice retires 1 of her 2 earned credits for the steel works, naming the receipt
    // they are: it is consumed, and backs no second offset
    let receipt = town.earn(alice, 2_000_000);
    let claim = offset(industry, 700, note, vec![receipt]);
    let retired = town
        .token
        .retire(&mut town.chain, alice, 1_000_000, claim.clone())
        .unwrap();
    let record = town
        .token
        .retirement(&mut town.chain, retired.value)
        .unwrap()
        .unwrap();
    assert_eq!((record.account, record.beneficiary), (alice, industry));
    let part = town
        .token
        .receipt(&mut town.chain, record.receipts[0])
        .unwrap()
        .unwrap();
    assert_eq!(
        (part.amount, part.retirement),
        (1_000_000, Some(retired.value))
    );
    assert_eq!(
        town.token
            .retire(
                &mut town.chain,
                alice,
                1_000_000,
                offset(industry, 700, note, record.receipts)
            )
            .unwrap_err(),
        refused(TokenError::ReceiptRetired)
    );
    assert_eq!(
        town.token
            .retired_total(&mut town.chain, industry)
            .unwrap()
            .grams_co2e,
        2_450
    );
}

/// A retirement for `beneficiary` over the first half of 2026 (the statement's hash
/// `purpose`), standing on `receipts`.
fn offset(
    beneficiary: AccountId,
    grams_co2e: u128,
    purpose_hash: [u8; 32],
    receipts: Vec<u64>,
) -> RetirementClaim {
    RetirementClaim {
        beneficiary,
        grams_co2e,
        purpose_hash,
        period_start_ms: 1_767_225_600_000,
        period_end_ms: 1_782_864_000_000,
        receipts,
    }
}

#[test]
fn voucher_is_created_rendered_and_redeemed_once() {
    let mut town = Town::new();
    let (alice, bob) = (town.alice, town.bob);
    let receipt = town.earn(alice, 80);
    let (secret, key) = one_time_key();
    let expires = town.chain.now_ms() + 24 * HOUR_MS;
    let created = town
        .token
        .create_voucher(&mut town.chain, alice, 50, key, expires, vec![receipt])
        .unwrap();
    let ticket = VoucherTicket {
        token: town.token.address(),
        voucher_id: created.value,
        secret,
    };
    assert_eq!((town.balance(alice), town.escrow()), (30, 50));

    // the QR code's payload goes from Alice's phone to Bob's (drawing it: the CLI's `qr`)
    let scanned = VoucherTicket::parse(&ticket.payload()).unwrap();
    // Bob's wallet signs for the token on the chain the token says it is on
    let chain = town.at().chain;

    let redeemed = town
        .token
        .redeem_voucher(
            &mut town.chain,
            bob,
            scanned.voucher_id,
            scanned.sign_for(chain, &bob),
        )
        .unwrap();
    assert!(token_events(&redeemed.events).iter().any(
        |e| matches!(e, TokenEvent::VoucherRedeemed(r) if r.redeemer == bob && r.amount == 50)
    ));
    assert_eq!((town.balance(bob), town.escrow()), (50, 0));
    // provenance travels with the credits: the voucher carried a 50-credit part of the
    // 80-credit receipt (L-8), Alice keeps the 30 left
    let carried = town
        .token
        .voucher(&mut town.chain, created.value)
        .unwrap()
        .unwrap()
        .receipts;
    let part = town
        .token
        .receipt(&mut town.chain, carried[0])
        .unwrap()
        .unwrap();
    assert_eq!((part.owner, part.amount), (bob, 50));
    let rest = town
        .token
        .receipt(&mut town.chain, receipt)
        .unwrap()
        .unwrap();
    assert_eq!((rest.owner, rest.amount), (alice, 30));
    let voucher = town
        .token
        .voucher(&mut town.chain, scanned.voucher_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        voucher.state,
        VoucherState::Redeemed {
            by: bob,
            at_ms: town.chain.now_ms()
        }
    );
    assert_eq!(
        town.token
            .redeem_voucher(
                &mut town.chain,
                bob,
                scanned.voucher_id,
                scanned.sign_for(chain, &bob)
            )
            .unwrap_err(),
        refused(TokenError::VoucherClosed)
    );
}

#[test]
fn front_running_or_replaying_from_another_chain_a_voucher_redemption_is_refused() {
    let mut town = Town::new();
    let (alice, bob, eve) = (town.alice, town.bob, town.eve);
    town.earn(alice, 10);
    let (secret, key) = one_time_key();
    let id = town
        .token
        .create_voucher(&mut town.chain, alice, 10, key, u64::MAX, vec![])
        .unwrap()
        .value;
    let at = town.at();
    let bobs_signature = sign_redemption(&secret, &at, id, &bob);
    // I-1: Bob's signature for this token's address on another chain (a test network where
    // the same voucher id was made with the same key) does not redeem it here
    let elsewhere = Deployment {
        chain: smartcity_sdk::blake2_256(b"another chain"),
        ..at
    };
    assert_eq!(
        town.token
            .redeem_voucher(
                &mut town.chain,
                bob,
                id,
                sign_redemption(&secret, &elsewhere, id, &bob)
            )
            .unwrap_err(),
        refused(TokenError::BadSignature)
    );
    // Eve copies Bob's pending transaction: the digest names Bob, so it recovers another key
    assert_eq!(
        town.token
            .redeem_voucher(&mut town.chain, eve, id, bobs_signature)
            .unwrap_err(),
        refused(TokenError::BadSignature)
    );
    // a key that is not the voucher's
    let wrong = SecretKey::from_slice(&[3; 32]).unwrap();
    assert_eq!(
        town.token
            .redeem_voucher(
                &mut town.chain,
                eve,
                id,
                sign_redemption(&wrong, &at, id, &eve)
            )
            .unwrap_err(),
        refused(TokenError::BadSignature)
    );
    // garbage that is no signature at all
    assert_eq!(
        town.token
            .redeem_voucher(&mut town.chain, eve, id, [0xff; 65])
            .unwrap_err(),
        refused(TokenError::BadSignature)
    );
    assert_eq!(
        town.token
            .redeem_voucher(&mut town.chain, bob, id + 1, bobs_signature)
            .unwrap_err(),
        refused(TokenError::VoucherNotFound)
    );
    assert_eq!(town.escrow(), 10);
    town.token
        .redeem_voucher(&mut town.chain, bob, id, bobs_signature)
        .unwrap();
    assert_eq!(
        (town.balance(bob), town.balance(eve), town.escrow()),
        (10, 0, 0)
    );
}

#[test]
fn expired_voucher_is_reclaimed_by_its_creator_only() {
    let mut town = Town::new();
    let (alice, bob) = (town.alice, town.bob);
    town.earn(alice, 10);
    let (secret, key) = one_time_key();
    let now = town.chain.now_ms();
    assert_eq!(
        town.token
            .create_voucher(&mut town.chain, alice, 11, key, now + HOUR_MS, vec![])
            .unwrap_err(),
        refused(TokenError::PSP22(PSP22Error::InsufficientBalance))
    );
    assert_eq!(
        town.token
            .create_voucher(&mut town.chain, alice, 5, key, now, vec![])
            .unwrap_err(),
        refused(TokenError::ExpiryInPast)
    );
    let id = town
        .token
        .create_voucher(&mut town.chain, alice, 7, key, now + HOUR_MS, vec![])
        .unwrap()
        .value;
    assert_eq!(
        town.token
            .reclaim_voucher(&mut town.chain, alice, id)
            .unwrap_err(),
        refused(TokenError::VoucherNotExpired)
    );
    town.chain.advance_time_ms(HOUR_MS);
    let signature = sign_redemption(&secret, &town.at(), id, &bob);
    assert_eq!(
        town.token
            .redeem_voucher(&mut town.chain, bob, id, signature)
            .unwrap_err(),
        refused(TokenError::VoucherExpired)
    );
    assert_eq!(
        town.token
            .reclaim_voucher(&mut town.chain, bob, id)
            .unwrap_err(),
        refused(TokenError::NotVoucherCreator)
    );
    town.token
        .reclaim_voucher(&mut town.chain, alice, id)
        .unwrap();
    assert_eq!((town.balance(alice), town.escrow()), (10, 0));
    assert_eq!(
        town.token
            .reclaim_voucher(&mut town.chain, alice, id)
            .unwrap_err(),
        refused(TokenError::VoucherClosed)
    );
}

#[test]
fn voucher_to_a_non_citizen_is_refused_when_gated() {
    let mut town = Town::new();
    let (alice, stranger) = (town.alice, town.stranger);
    town.earn(alice, 10);
    let (secret, key) = one_time_key();
    let id = town
        .token
        .create_voucher(&mut town.chain, alice, 10, key, u64::MAX, vec![])
        .unwrap()
        .value;
    let signature = sign_redemption(&secret, &town.at(), id, &stranger);
    assert_eq!(
        town.token
            .redeem_voucher(&mut town.chain, stranger, id, signature)
            .unwrap_err(),
        refused(TokenError::RecipientNotAllowed)
    );
    assert_eq!(town.escrow(), 10);
}

#[test]
fn embedded_chain_state_survives_a_save_and_load() {
    let mut town = Town::new();
    let alice = town.alice;
    town.earn(alice, 42);
    let saved = town.chain.export_state();
    let mut reloaded = SandboxChain::import_state(&saved).unwrap();
    assert_eq!(town.token.balance_of(&mut reloaded, alice).unwrap(), 42);
    assert_eq!(reloaded.now_ms(), town.chain.now_ms());
    assert!(SandboxChain::import_state(b"not a state").is_err());
}
