//! The token rules' unit tests: `#[ink::test]` only because `Mapping` needs ink!'s
//! off-chain storage engine.

use super::*;
use interfaces::EnergySource;
use interfaces::Hash32;

fn account(n: u8) -> AccountId {
    AccountId::from([n; 32])
}
const ADMIN: u8 = 1;
const MARKET: u8 = 2;
const ALICE: u8 = 10;
const BOB: u8 = 11;
const ESCROW: u8 = 99;
const NOW: TimestampMs = 1_000_000;

fn earning(wh: u64) -> Earning {
    Earning {
        device: [7; 32],
        source: EnergySource::Solar,
        period_start_ms: 0,
        period_end_ms: 900_000,
        energy_wh: wh,
    }
}

fn token() -> Credits {
    let (mut credits, _) = Credits::new(account(ADMIN), 0);
    credits
        .grant_role(account(ADMIN), TokenRole::Minter, account(MARKET))
        .unwrap();
    credits
}

/// A retirement for Alice herself over the period before `NOW`, naming no receipts.
fn claim(grams_co2e: u128, purpose_hash: Hash32) -> RetirementClaim {
    RetirementClaim {
        beneficiary: account(ALICE),
        grams_co2e,
        purpose_hash,
        period_start_ms: 0,
        period_end_ms: NOW,
        receipts: Vec::new(),
    }
}

fn key() -> [u8; 33] {
    let mut key = [5; 33];
    key[0] = 0x03;
    key
}

#[ink::test]
fn only_minters_mint_and_receipts_record_provenance() {
    let mut credits = token();
    let mint = |to, amount| Mint {
        to,
        amount,
        earning: earning(1_500),
    };
    assert_eq!(
        credits
            .mint_batch(
                account(ALICE),
                ink::prelude::vec![mint(account(ALICE), 5)],
                NOW
            )
            .err(),
        Some(TokenError::NotMinter)
    );
    let (ids, events) = credits
        .mint_batch(
            account(MARKET),
            ink::prelude::vec![mint(account(ALICE), 5), mint(account(BOB), 7)],
            NOW,
        )
        .unwrap();
    assert_eq!(ids, ink::prelude::vec![0, 1]);
    assert_eq!(events.len(), 3); // two Transfers, one ReceiptsIssued
    assert_eq!(
        (credits.balance_of(account(ALICE)), credits.total_supply()),
        (5, 12)
    );
    let receipt = credits.receipt(1).unwrap();
    assert_eq!(
        (receipt.owner, receipt.amount, receipt.earning.energy_wh),
        (account(BOB), 7, 1_500)
    );
    assert_eq!(
        credits
            .mint_batch(
                account(MARKET),
                ink::prelude::vec![mint(account(ALICE), 0)],
                NOW
            )
            .err(),
        Some(TokenError::ZeroAmount)
    );
    let too_many = (0..=MAX_MINT_BATCH)
        .map(|_| mint(account(ALICE), 1))
        .collect();
    assert_eq!(
        credits.mint_batch(account(MARKET), too_many, NOW).err(),
        Some(TokenError::BatchTooLarge)
    );
    credits
        .mint(account(MARKET), account(ALICE), u128::MAX - 12)
        .unwrap();
    assert_eq!(
        credits.mint(account(MARKET), account(ALICE), 1).err(),
        Some(TokenError::SupplyOverflow)
    );
}

#[ink::test]
fn pause_stops_every_balance_change_but_approvals() {
    let mut credits = token();
    credits.mint(account(MARKET), account(ALICE), 10).unwrap();
    assert_eq!(
        credits.set_paused(account(ALICE), true).err(),
        Some(TokenError::NotAdmin)
    );
    credits.set_paused(account(ADMIN), true).unwrap();
    assert_eq!(
        credits.set_paused(account(ADMIN), true).err(),
        Some(TokenError::PauseUnchanged)
    );
    assert_eq!(
        credits.transfer(account(ALICE), account(BOB), 1).err(),
        Some(TokenError::Paused)
    );
    assert_eq!(
        credits.mint(account(MARKET), account(ALICE), 1).err(),
        Some(TokenError::Paused)
    );
    assert_eq!(
        credits.burn(account(ALICE), 1).err(),
        Some(TokenError::Paused)
    );
    assert_eq!(
        credits
            .retire(account(ALICE), 1, claim(1, [0; 32]), NOW)
            .err(),
        Some(TokenError::Paused)
    );
    credits.approve(account(ALICE), account(BOB), 3).unwrap();
    credits.set_paused(account(ADMIN), false).unwrap();
    credits
        .transfer_from(account(BOB), account(ALICE), account(BOB), 3)
        .unwrap();
    assert_eq!(credits.balance_of(account(BOB)), 3);
}

#[ink::test]
fn retirement_burns_and_keeps_a_running_total() {
    let mut credits = token();
    // 400 g of CO2e per credit
    credits.set_co2e_rate(account(ADMIN), 400).unwrap();
    credits
        .mint(account(MARKET), account(ALICE), 100 * MICRO)
        .unwrap();
    assert_eq!(
        credits
            .retire(account(ALICE), 101 * MICRO, claim(1, [0; 32]), NOW)
            .err(),
        Some(TokenError::PSP22(psp22::PSP22Error::InsufficientBalance))
    );
    assert_eq!(
        credits
            .retire(account(ALICE), 0, claim(1, [0; 32]), NOW)
            .err(),
        Some(TokenError::ZeroAmount)
    );
    let (first, _) = credits
        .retire(account(ALICE), 30 * MICRO, claim(12_000, [1; 32]), NOW)
        .unwrap();
    let (second, _) = credits
        .retire(account(ALICE), 20 * MICRO, claim(8_000, [2; 32]), NOW + 1)
        .unwrap();
    assert_eq!((first, second), (0, 1));
    assert_eq!(credits.total_supply(), 50 * MICRO);
    assert_eq!(
        credits.retired_total(account(ALICE)),
        RetiredTotal {
            amount: 50 * MICRO,
            grams_co2e: 20_000
        }
    );
    assert_eq!(credits.retirement(1).unwrap().purpose_hash, [2; 32]);
}

/// M-9: one micro-credit retired as a 1,000-tonne offset.
#[ink::test]
fn a_retirement_cannot_claim_more_co2e_than_its_credits_back() {
    let mut credits = token();
    credits
        .mint(account(MARKET), account(ALICE), 10 * MICRO)
        .unwrap();
    // no rate set: no CO2e can be claimed at all
    assert_eq!(
        credits
            .retire(account(ALICE), 1, claim(1, [0; 32]), NOW)
            .err(),
        Some(TokenError::ClaimExceedsRate)
    );
    assert_eq!(
        credits.set_co2e_rate(account(ALICE), 400).err(),
        Some(TokenError::NotAdmin)
    );
    credits.set_co2e_rate(account(ADMIN), 400).unwrap();
    assert_eq!(
        credits
            .retire(account(ALICE), 1, claim(1_000_000_000_000, [0; 32]), NOW)
            .err(),
        Some(TokenError::ClaimExceedsRate)
    );
    // a whole credit backs 400 g, not a gram more
    assert_eq!(
        credits
            .retire(account(ALICE), MICRO, claim(401, [0; 32]), NOW)
            .err(),
        Some(TokenError::ClaimExceedsRate)
    );
    assert!(credits
        .retire(account(ALICE), MICRO, claim(400, [0; 32]), NOW)
        .is_ok());
    assert_eq!(credits.balance_of(account(ALICE)), 9 * MICRO);
}

/// M-9: a retirement named no beneficiary, purpose or period, and did not consume the
/// receipts it stood on, so the same earned credits could back one offset after another
/// (retired, then given on in a voucher and claimed again).
#[ink::test]
fn a_retirement_names_its_claim_and_consumes_its_receipts_once() {
    let mut credits = token();
    credits.set_co2e_rate(account(ADMIN), 700).unwrap();
    let (ids, _) = credits
        .mint_batch(
            account(MARKET),
            ink::prelude::vec![
                Mint {
                    to: account(ALICE),
                    amount: 10 * MICRO,
                    earning: earning(5_000)
                },
                Mint {
                    to: account(ALICE),
                    amount: 5 * MICRO,
                    earning: earning(2_500)
                }
            ],
            NOW,
        )
        .unwrap();
    let steel_works = account(BOB);
    let claim_for = |receipts: Vec<u64>, start, end| RetirementClaim {
        beneficiary: steel_works,
        grams_co2e: 8_400,
        purpose_hash: [3; 32],
        period_start_ms: start,
        period_end_ms: end,
        receipts,
    };
    assert_eq!(
        credits
            .retire(
                account(ALICE),
                12 * MICRO,
                claim_for(ids.clone(), NOW, NOW),
                NOW
            )
            .err(),
        Some(TokenError::InvalidPeriod)
    );
    assert_eq!(
        credits
            .retire(
                account(BOB),
                12 * MICRO,
                claim_for(ids.clone(), 0, NOW),
                NOW
            )
            .err(),
        Some(TokenError::NotReceiptOwner)
    );
    // 12 credits: the 10-credit receipt whole and 2 of the 5-credit one, split
    let (id, _) = credits
        .retire(
            account(ALICE),
            12 * MICRO,
            claim_for(ids.clone(), 0, NOW),
            NOW,
        )
        .unwrap();
    let retirement = credits.retirement(id).unwrap();
    assert_eq!(
        (
            retirement.account,
            retirement.beneficiary,
            retirement.purpose_hash
        ),
        (account(ALICE), steel_works, [3; 32])
    );
    assert_eq!(
        (retirement.period_start_ms, retirement.period_end_ms),
        (0, NOW)
    );
    assert_eq!(retirement.receipts.len(), 2);
    assert_eq!(retirement.receipts[0], ids[0]);
    let part = credits.receipt(retirement.receipts[1]).unwrap();
    assert_eq!((part.amount, part.retirement), (2 * MICRO, Some(id)));
    let rest = credits.receipt(ids[1]).unwrap();
    assert_eq!((rest.amount, rest.retirement), (3 * MICRO, None));
    // the beneficiary's total counts the offset; the retiring account's does not
    assert_eq!(credits.retired_total(steel_works).grams_co2e, 8_400);
    assert_eq!(credits.retired_total(account(ALICE)).amount, 0);
    // the consumed receipt backs no second retirement and no voucher
    let again = ink::prelude::vec![ids[0]];
    assert_eq!(
        credits
            .retire(
                account(ALICE),
                12 * MICRO,
                claim_for(again.clone(), 0, NOW),
                NOW
            )
            .err(),
        Some(TokenError::ReceiptRetired)
    );
    assert_eq!(
        credits
            .create_voucher(
                account(ALICE),
                account(ESCROW),
                MICRO,
                key(),
                NOW + 1,
                again,
                NOW
            )
            .err(),
        Some(TokenError::ReceiptRetired)
    );
    // the rest of the split receipt is still Alice's to use
    assert!(credits
        .create_voucher(
            account(ALICE),
            account(ESCROW),
            MICRO,
            key(),
            NOW + 1,
            ink::prelude::vec![ids[1]],
            NOW
        )
        .is_ok());
}

/// L-8: a 1,000-credit receipt attached to a one-micro-credit voucher.
#[ink::test]
fn a_voucher_cannot_carry_more_provenance_than_credits() {
    let mut credits = token();
    let (ids, _) = credits
        .mint_batch(
            account(MARKET),
            ink::prelude::vec![Mint {
                to: account(ALICE),
                amount: 1_000 * MICRO,
                earning: earning(4_000)
            }],
            NOW,
        )
        .unwrap();
    let (more, _) = credits
        .mint_batch(
            account(MARKET),
            ink::prelude::vec![Mint {
                to: account(ALICE),
                amount: 5,
                earning: earning(1)
            }],
            NOW,
        )
        .unwrap();
    let escrow = account(ESCROW);
    // a second receipt on a voucher the first already backs in full
    let both = ink::prelude::vec![ids[0], more[0]];
    assert_eq!(
        credits
            .create_voucher(account(ALICE), escrow, 1, key(), NOW + 10, both, NOW)
            .err(),
        Some(TokenError::ReceiptsExceedAmount)
    );
    let twice = ink::prelude::vec![ids[0], ids[0]];
    assert_eq!(
        credits
            .create_voucher(
                account(ALICE),
                escrow,
                2_000 * MICRO,
                key(),
                NOW + 10,
                twice,
                NOW
            )
            .err(),
        Some(TokenError::ReceiptInVoucher)
    );
    // the voucher carries a one-micro-credit part of the receipt, no more
    let (voucher, _) = credits
        .create_voucher(account(ALICE), escrow, 1, key(), NOW + 10, ids.clone(), NOW)
        .unwrap();
    let carried = credits.voucher(voucher).unwrap().receipts;
    assert_eq!(carried.len(), 1);
    assert_ne!(carried[0], ids[0]);
    let part = credits.receipt(carried[0]).unwrap();
    assert_eq!((part.amount, part.voucher), (1, Some(voucher)));
    let rest = credits.receipt(ids[0]).unwrap();
    assert_eq!((rest.amount, rest.voucher), (1_000 * MICRO - 1, None));
    assert_eq!(part.earning, rest.earning);
}

#[ink::test]
fn voucher_locks_pays_once_and_moves_provenance() {
    let mut credits = token();
    let (ids, _) = credits
        .mint_batch(
            account(MARKET),
            ink::prelude::vec![Mint {
                to: account(ALICE),
                amount: 40,
                earning: earning(4_000)
            }],
            NOW,
        )
        .unwrap();
    let create = |credits: &mut Credits, receipts| {
        credits.create_voucher(
            account(ALICE),
            account(ESCROW),
            25,
            key(),
            NOW + 100,
            receipts,
            NOW,
        )
    };
    assert_eq!(
        create(&mut credits, ink::prelude::vec![9]).err(),
        Some(TokenError::ReceiptNotFound)
    );
    let (voucher, _) = create(&mut credits, ids.clone()).unwrap();
    // the voucher carries a 25-credit part of the 40-credit receipt
    let carried = credits.voucher(voucher).unwrap().receipts;
    assert_eq!(
        create(&mut credits, carried.clone()).err(),
        Some(TokenError::ReceiptInVoucher)
    );
    assert_eq!(
        (
            credits.balance_of(account(ALICE)),
            credits.balance_of(account(ESCROW))
        ),
        (15, 25)
    );
    assert_eq!(
        credits
            .redeem_voucher(account(BOB), account(ESCROW), voucher, None, NOW)
            .err(),
        Some(TokenError::BadSignature)
    );
    credits
        .redeem_voucher(account(BOB), account(ESCROW), voucher, Some(key()), NOW + 1)
        .unwrap();
    assert_eq!(
        (
            credits.balance_of(account(BOB)),
            credits.balance_of(account(ESCROW))
        ),
        (25, 0)
    );
    assert_eq!(credits.receipt(carried[0]).unwrap().owner, account(BOB));
    assert_eq!(credits.receipt(carried[0]).unwrap().amount, 25);
    assert_eq!(credits.receipt(ids[0]).unwrap().owner, account(ALICE));
    assert_eq!(credits.receipt(ids[0]).unwrap().amount, 15);
    assert_eq!(
        credits
            .redeem_voucher(account(BOB), account(ESCROW), voucher, Some(key()), NOW + 2)
            .err(),
        Some(TokenError::VoucherClosed)
    );
    assert_eq!(
        credits.voucher(voucher).unwrap().state,
        VoucherState::Redeemed {
            by: account(BOB),
            at_ms: NOW + 1
        }
    );
}

#[ink::test]
fn voucher_refusals_and_reclaim_after_expiry() {
    let mut credits = token();
    credits.mint(account(MARKET), account(ALICE), 10).unwrap();
    let mut bad_key = key();
    bad_key[0] = 0x04;
    let create = |credits: &mut Credits, amount, key, expiry| {
        credits.create_voucher(
            account(ALICE),
            account(ESCROW),
            amount,
            key,
            expiry,
            Vec::new(),
            NOW,
        )
    };
    assert_eq!(
        create(&mut credits, 5, bad_key, NOW + 1).err(),
        Some(TokenError::InvalidVoucherKey)
    );
    assert_eq!(
        create(&mut credits, 5, key(), NOW).err(),
        Some(TokenError::ExpiryInPast)
    );
    assert_eq!(
        create(&mut credits, 0, key(), NOW + 1).err(),
        Some(TokenError::ZeroAmount)
    );
    assert_eq!(
        create(&mut credits, 11, key(), NOW + 1).err(),
        Some(TokenError::PSP22(psp22::PSP22Error::InsufficientBalance))
    );
    let (voucher, _) = create(&mut credits, 6, key(), NOW + 10).unwrap();
    assert_eq!(
        credits
            .reclaim_voucher(account(ALICE), account(ESCROW), voucher, NOW + 9)
            .err(),
        Some(TokenError::VoucherNotExpired)
    );
    assert_eq!(
        credits
            .reclaim_voucher(account(BOB), account(ESCROW), voucher, NOW + 10)
            .err(),
        Some(TokenError::NotVoucherCreator)
    );
    assert_eq!(
        credits
            .redeem_voucher(
                account(BOB),
                account(ESCROW),
                voucher,
                Some(key()),
                NOW + 10
            )
            .err(),
        Some(TokenError::VoucherExpired)
    );
    credits
        .reclaim_voucher(account(ALICE), account(ESCROW), voucher, NOW + 10)
        .unwrap();
    assert_eq!(credits.balance_of(account(ALICE)), 10);
    assert_eq!(
        credits
            .reclaim_voucher(account(ALICE), account(ESCROW), voucher, NOW + 11)
            .err(),
        Some(TokenError::VoucherClosed)
    );
    assert_eq!(
        credits
            .redeem_voucher(account(BOB), account(ESCROW), 77, Some(key()), NOW)
            .err(),
        Some(TokenError::VoucherNotFound)
    );
}
