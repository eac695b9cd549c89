//! The market's rules for what households hold: P2P offers, accrued credits, claims,
//! debts, and the books after a key move.

use super::*;

#[ink::test]
fn offers_reserve_energy_sell_in_parts_and_return_the_rest() {
    let mut market = market();
    let (seller, buyer, other) = (account(7), account(8), account(9));
    market.set_ledger_wh(seller, 10_000);
    assert_eq!(
        market.create_offer(seller, 0, 1, NOON + 1, NOON),
        Err(MarketError::ZeroAmount)
    );
    assert_eq!(
        market.create_offer(seller, 10_001, 1, NOON + 1, NOON),
        Err(MarketError::InsufficientEnergy)
    );
    assert_eq!(
        market.create_offer(seller, 1, 1, NOON, NOON),
        Err(MarketError::ExpiryInPast)
    );
    // 6 kWh at 4 credits per kWh for an hour
    let created = market
        .create_offer(seller, 6_000, 4_000_000, NOON + HOUR_MS, NOON)
        .unwrap();
    let id = created.offer_id;
    assert_eq!(
        (created.seller, created.wh, created.price_per_kwh),
        (seller, 6_000, 4_000_000)
    );
    assert_eq!(market.ledger_wh(seller), 4_000);
    let (sale, bought) = market.buy(buyer, id, 2_500, NOON + 1).unwrap();
    // 2.5 kWh x 4 = 10 credits, 2.5 % fee
    assert_eq!(
        (bought.cost, sale.fee, sale.to_seller, sale.seller),
        (10_000_000, 250_000, 9_750_000, seller)
    );
    assert_eq!(
        (bought.offer_id, bought.buyer, bought.wh, bought.fee),
        (id, buyer, 2_500, 250_000)
    );
    assert_eq!(
        market.buy(other, id, 3_501, NOON + 2),
        Err(MarketError::NotEnoughOnOffer)
    );
    market.buy(other, id, 1_500, NOON + 2).unwrap();
    assert_eq!(
        (market.ledger_wh(buyer), market.ledger_wh(other)),
        (2_500, 1_500)
    );
    let (page, next) = market.open_offers(0, 10, NOON + 3).unwrap();
    assert_eq!((page.len(), page[0].1.wh_left, next), (1, 2_000, 1));
    assert_eq!(
        market.close_offer(other, id, true, NOON + 3),
        Err(MarketError::NotSeller)
    );
    assert_eq!(
        market.close_offer(other, id, false, NOON + 3),
        Err(MarketError::OfferNotExpired)
    );
    let closed = market.close_offer(seller, id, true, NOON + 3).unwrap();
    assert_eq!(
        (closed.offer_id, closed.state, closed.wh_returned),
        (id, OfferState::Cancelled, 2_000)
    );
    assert_eq!(market.ledger_wh(seller), 6_000);
    assert_eq!(
        market.buy(buyer, id, 1, NOON + 4),
        Err(MarketError::OfferClosed)
    );
    assert_eq!(market.offer(id).unwrap().state, OfferState::Cancelled);
    assert_eq!(
        market.open_offers(0, MAX_OFFER_PAGE + 1, NOON).err(),
        Some(MarketError::PageTooLarge)
    );
}

#[ink::test]
fn expired_offers_are_closed_by_anyone_and_cannot_be_bought() {
    let mut market = market();
    let seller = account(7);
    market.set_ledger_wh(seller, 1_000);
    let id = market
        .create_offer(seller, 1_000, 1_000_000, NOON + 10, NOON)
        .unwrap()
        .offer_id;
    assert_eq!(
        market.buy(account(8), id, 1, NOON + 10),
        Err(MarketError::OfferExpired)
    );
    assert!(market.open_offers(0, 5, NOON + 10).unwrap().0.is_empty());
    assert_eq!(
        market
            .close_offer(account(9), id, false, NOON + 10)
            .map(|closed| (closed.state, closed.wh_returned)),
        Ok((OfferState::Expired, 1_000))
    );
    assert_eq!(market.ledger_wh(seller), 1_000);
    assert_eq!(market.offer(id).unwrap().state, OfferState::Expired);
    assert_eq!(
        market.buy(account(8), 99, 1, NOON),
        Err(MarketError::OfferNotFound)
    );
}

/// A share of `credits` for `export`/`import` Wh of a solar meter over the hour to `to`.
fn solar_share(to: TimestampMs, export: u64, import: u64, credits: u128) -> Share {
    Share {
        beneficiary: account(7),
        source: EnergySource::Solar,
        from_ms: to - HOUR_MS,
        to_ms: to,
        export_wh: export,
        import_wh: import,
        credits,
    }
}

#[ink::test]
fn credits_accrue_per_device_and_a_claim_pays_the_bill_from_them_first() {
    let mut market = market();
    let (asha, utility) = (account(7), config().utility);
    let (roof, balcony) = ([1; 32], [2; 32]);
    let mut books = market.account(asha);
    // two readings of the roof meter make one earning spanning both hours
    assert_eq!(
        accrue(&mut books, roof, &solar_share(NOON, 2_000, 0, 4_000_000)),
        0
    );
    assert_eq!(
        accrue(
            &mut books,
            roof,
            &solar_share(NOON + HOUR_MS, 1_000, 0, 2_000_000)
        ),
        0
    );
    assert_eq!(
        accrue(&mut books, balcony, &solar_share(NOON, 500, 0, 1_000_000)),
        0
    );
    // 4 kWh imported: 3.5 from the ledger, 0.5 kWh billable
    assert_eq!(
        accrue(&mut books, balcony, &solar_share(NOON, 0, 4_000, 0)),
        500
    );
    assert_eq!(books.ledger_wh, 0);
    assert_eq!(books.earnings.len(), 2);
    assert_eq!(books.credits(), 7_000_000);
    let roof_earning = &books.earnings[0].earning;
    assert_eq!(
        (
            roof_earning.period_start_ms,
            roof_earning.period_end_ms,
            roof_earning.energy_wh
        ),
        (NOON - HOUR_MS, NOON + HOUR_MS, 3_000)
    );
    // a bill of 7.5 credits: all 7 accrued pay it, 0.5 is left to collect
    books.bill = 7_500_000;
    books.billed_wh = 2_500;
    market.set_account(asha, &books);

    let claim = market.take_claim(asha).expect("something accrued");
    assert_eq!(
        (claim.minted, claim.netted, claim.unpaid, claim.unpaid_wh),
        (0, 7_000_000, 500_000, 166)
    );
    assert!(claim.mints.iter().all(|m| m.to == utility));
    let minted: u128 = claim.mints.iter().map(|m| m.amount).sum();
    assert_eq!(minted, 7_000_000, "every accrued credit is minted once");
    // the accrual is off the books; a second claim finds nothing
    assert_eq!(market.account(asha).earnings, Vec::new());
    assert_eq!(market.take_claim(asha), None);

    // a smaller bill: each earning's credits split between the utility and Asha, with
    // its energy pro rata
    let mut books = market.account(asha);
    accrue(&mut books, roof, &solar_share(NOON, 2_000, 0, 4_000_000));
    books.bill = 1_000_000;
    books.billed_wh = 333;
    market.set_account(asha, &books);
    let claim = market.take_claim(asha).unwrap();
    assert_eq!(
        (claim.minted, claim.netted, claim.unpaid),
        (3_000_000, 1_000_000, 0)
    );
    let parts: Vec<_> = claim
        .mints
        .iter()
        .map(|m| (m.to, m.amount, m.earning.energy_wh))
        .collect();
    assert_eq!(
        parts,
        vec![(asha, 3_000_000, 1_500), (utility, 1_000_000, 500)]
    );
    assert_eq!(market.account(asha).ledger_wh, 2_000, "the ledger stays");
}

#[ink::test]
fn an_account_accrues_at_most_its_bound_of_earnings() {
    let mut books = EnergyAccount::default();
    let share = solar_share(NOON, 1_000, 0, 2_000_000);
    for n in 0..interfaces::market::MAX_ACCRUED_EARNINGS {
        let device = [n as u8; 32];
        assert!(books.has_room(&device, EnergySource::Solar));
        accrue(&mut books, device, &share);
    }
    assert!(!books.has_room(&[200; 32], EnergySource::Solar));
    // a device already accruing still may
    assert!(books.has_room(&[3; 32], EnergySource::Solar));
}

// review M-3: a debtor's new credits pay its debt to the utility before it keeps any
#[ink::test]
fn a_debtors_credits_repay_its_debt_before_it_keeps_any() {
    let mut market = market();
    let (asha, utility) = (account(7), config().utility);
    market.record_debt(asha, 2_000, 5_000_000);
    let mut books = market.account(asha);
    accrue(&mut books, [1; 32], &solar_share(NOON, 2_000, 0, 4_000_000));
    books.bill = 1_000_000;
    market.set_account(asha, &books);
    // 4 credits: 1 pays the bill, 3 repay the debt; Asha keeps nothing
    let claim = market.take_claim(asha).unwrap();
    assert_eq!(
        (claim.minted, claim.netted, claim.unpaid),
        (0, 1_000_000, 0)
    );
    let repaid = claim.debt_repaid.expect("the debt is repaid");
    assert_eq!((repaid.amount, repaid.total), (3_000_000, 2_000_000));
    assert!(claim.mints.iter().all(|m| m.to == utility));
    assert_eq!(market.debt(asha), 2_000_000);

    // more credits than the debt: the rest is hers
    let mut books = market.account(asha);
    accrue(&mut books, [1; 32], &solar_share(NOON, 2_000, 0, 5_000_000));
    market.set_account(asha, &books);
    let claim = market.take_claim(asha).unwrap();
    assert_eq!(claim.minted, 3_000_000);
    assert_eq!(market.debt(asha), 0);
}

/// M-3: Asha owes the utility when the admin moves her to a new key (account 9), which used
/// to start debt-free and could trade at once. The utility moves the debt after her.
#[ink::test]
fn a_debtors_new_key_keeps_its_debt_to_the_utility() {
    let mut market = market();
    let (asha, new_asha, utility) = (account(7), account(9), config().utility);
    market.record_debt(asha, 2_000, 5_000_000);
    assert_eq!(
        market.move_debt(account(3), asha, new_asha),
        Err(MarketError::NothingOwed)
    );
    let moved = market.move_debt(utility, asha, new_asha).unwrap();
    assert_eq!(
        (moved.from, moved.to, moved.creditor, moved.amount),
        (asha, new_asha, utility, 5_000_000)
    );
    assert_eq!((market.debt(asha), market.debt(new_asha)), (0, 5_000_000));
    assert_eq!(
        market.create_offer(new_asha, 1_000, 1, NOON + 1, NOON),
        Err(MarketError::Debtor)
    );
    assert_eq!(
        market.repayable(new_asha, utility, u128::MAX),
        Ok(5_000_000)
    );
}

/// M-1: Asha's key is lost with credits accrued, a bill and energy on her ledger; the admin
/// moves her to account 9, where her meter's next readings accrue. What the old key held
/// used to be claimable only by it, for good. The new key takes it over, merged with its own.
#[ink::test]
fn a_moved_households_new_key_takes_over_its_books() {
    let mut market = market();
    let (asha, new_asha) = (account(7), account(9));
    let mut old = market.account(asha);
    accrue(&mut old, [1; 32], &solar_share(NOON, 3_000, 0, 4_000_000));
    old.bill = 1_000_000;
    old.billed_wh = 400;
    market.set_account(asha, &old);
    let mut new = market.account(new_asha);
    accrue(
        &mut new,
        [1; 32],
        &solar_share(NOON + 900_000, 1_000, 0, 2_000_000),
    );
    accrue(
        &mut new,
        [2; 32],
        &solar_share(NOON + 900_000, 500, 0, 1_000_000),
    );
    market.set_account(new_asha, &new);

    let event = market.take_over_account(asha, new_asha).unwrap();
    assert_eq!(
        (event.ledger_wh, event.bill, event.credits),
        (3_000, 1_000_000, 4_000_000)
    );
    assert_eq!(market.account(asha), EnergyAccount::default());
    let books = market.account(new_asha);
    assert_eq!(
        (books.ledger_wh, books.bill, books.billed_wh),
        (4_500, 1_000_000, 400)
    );
    // one earning per device and source: the meter's two spans are one earning now
    assert_eq!(books.earnings.len(), 2);
    assert_eq!(books.credits(), 7_000_000);
    let meter = &books.earnings[books.earning_of(&[1; 32], EnergySource::Solar).unwrap()];
    assert_eq!((meter.credits, meter.earning.energy_wh), (6_000_000, 4_000));
    // nothing left to take over
    assert_eq!(
        market.take_over_account(asha, new_asha),
        Err(MarketError::NothingToClaim)
    );
}

/// M-1, offers: Asha's key is lost while 2 kWh of her ledger sit in an open offer. Her new
/// key takes over her books (the offer's energy is not in them: it is reserved), and only
/// the old key could cancel the offer. Nothing is lost: once the offer expires anyone
/// closes it, the energy returns to the old account's ledger, and the new key takes it
/// over again.
#[ink::test]
fn an_offer_left_by_a_lost_key_comes_back_to_the_new_key() {
    let mut market = market();
    let (asha, new_asha) = (account(7), account(9));
    let mut old = market.account(asha);
    accrue(&mut old, [1; 32], &solar_share(NOON, 3_000, 0, 4_000_000));
    market.set_account(asha, &old);
    let offer = market
        .create_offer(asha, 2_000, 1_500_000, NOON + HOUR_MS, NOON)
        .unwrap()
        .offer_id;
    let first = market.take_over_account(asha, new_asha).unwrap();
    assert_eq!(first.ledger_wh, 1_000);
    // the new key cannot cancel the old key's offer; it expires and anyone closes it
    assert_eq!(
        market.close_offer(new_asha, offer, true, NOON),
        Err(MarketError::NotSeller)
    );
    assert_eq!(
        market
            .close_offer(account(3), offer, false, NOON + HOUR_MS)
            .map(|closed| closed.wh_returned),
        Ok(2_000)
    );
    assert_eq!(market.ledger_wh(asha), 2_000);
    let second = market.take_over_account(asha, new_asha).unwrap();
    assert_eq!(second.ledger_wh, 2_000);
    assert_eq!(market.ledger_wh(new_asha), 3_000);
    assert_eq!(market.account(asha), EnergyAccount::default());
}
