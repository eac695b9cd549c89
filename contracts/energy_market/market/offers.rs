//! P2P offers: a household sells energy from its ledger to another at its own price, the
//! market keeping its fee. Part of the market's rules (`Market`).

use super::*;

impl Market {
    /// Reserves `wh` of the seller's ledger in a new offer; returns its event (the id).
    pub fn create_offer(
        &mut self,
        seller: AccountId,
        wh: u64,
        price_per_kwh: u128,
        expires_at_ms: TimestampMs,
        now: TimestampMs,
    ) -> Result<OfferCreated, MarketError> {
        self.ensure_running()?;
        self.ensure_clear(seller)?;
        if wh == 0 {
            return Err(MarketError::ZeroAmount);
        }
        if expires_at_ms <= now {
            return Err(MarketError::ExpiryInPast);
        }
        let ledger = self.ledger_wh(seller);
        if ledger < wh {
            return Err(MarketError::InsufficientEnergy);
        }
        self.set_ledger_wh(seller, ledger.saturating_sub(wh));
        let id = self.next_offer_id;
        self.next_offer_id = id.saturating_add(1);
        self.offers.insert(
            id,
            &Offer {
                seller,
                wh_offered: wh,
                wh_left: wh,
                price_per_kwh,
                expires_at_ms,
                state: OfferState::Open,
            },
        );
        Ok(OfferCreated {
            offer_id: id,
            seller,
            wh,
            price_per_kwh,
            expires_at_ms,
        })
    }

    /// Moves `wh` of an open offer to the buyer's ledger; returns what the shell must
    /// collect, and the event (the cost).
    pub fn buy(
        &mut self,
        buyer: AccountId,
        id: u64,
        wh: u64,
        now: TimestampMs,
    ) -> Result<(Sale, OfferBought), MarketError> {
        self.ensure_running()?;
        self.ensure_clear(buyer)?;
        if wh == 0 {
            return Err(MarketError::ZeroAmount);
        }
        let mut offer = self.open_offer(id)?;
        if now >= offer.expires_at_ms {
            return Err(MarketError::OfferExpired);
        }
        if wh > offer.wh_left {
            return Err(MarketError::NotEnoughOnOffer);
        }
        let cost = offer.cost(wh);
        let fee = cost
            .saturating_mul(u128::from(self.config.fee_bps))
            .checked_div(u128::from(BPS))
            .unwrap_or(0);
        offer.wh_left = offer.wh_left.saturating_sub(wh);
        if offer.wh_left == 0 {
            offer.state = OfferState::SoldOut;
        }
        self.offers.insert(id, &offer);
        let ledger = self.ledger_wh(buyer);
        self.set_ledger_wh(buyer, ledger.saturating_add(wh));
        let sale = Sale {
            seller: offer.seller,
            to_seller: cost.saturating_sub(fee),
            fee,
        };
        let event = OfferBought {
            offer_id: id,
            buyer,
            wh,
            cost,
            fee,
        };
        Ok((sale, event))
    }

    /// The seller cancels (any time) or anyone expires (after expiry) an open offer; its
    /// rest returns to the seller's ledger. Returns the event (the Wh returned).
    pub fn close_offer(
        &mut self,
        caller: AccountId,
        id: u64,
        cancel: bool,
        now: TimestampMs,
    ) -> Result<OfferClosed, MarketError> {
        let mut offer = self.open_offer(id)?;
        if cancel && caller != offer.seller {
            return Err(MarketError::NotSeller);
        }
        if !cancel && now < offer.expires_at_ms {
            return Err(MarketError::OfferNotExpired);
        }
        let returned = offer.wh_left;
        offer.wh_left = 0;
        offer.state = if cancel {
            OfferState::Cancelled
        } else {
            OfferState::Expired
        };
        self.offers.insert(id, &offer);
        let ledger = self.ledger_wh(offer.seller);
        self.set_ledger_wh(offer.seller, ledger.saturating_add(returned));
        Ok(OfferClosed {
            offer_id: id,
            state: offer.state,
            wh_returned: returned,
        })
    }

    fn open_offer(&self, id: u64) -> Result<Offer, MarketError> {
        let offer = self.offers.get(id).ok_or(MarketError::OfferNotFound)?;
        if offer.state != OfferState::Open {
            return Err(MarketError::OfferClosed);
        }
        Ok(offer)
    }

    pub fn offer(&self, id: u64) -> Option<Offer> {
        self.offers.get(id)
    }

    /// Open, unexpired offers with ids from `from_id`, scanning at most `limit` ids
    /// (bounded work per call); returns them and the id to continue from.
    pub fn open_offers(
        &self,
        from_id: u64,
        limit: u32,
        now: TimestampMs,
    ) -> Result<(Vec<(u64, Offer)>, u64), MarketError> {
        if limit > MAX_OFFER_PAGE {
            return Err(MarketError::PageTooLarge);
        }
        let end = from_id
            .saturating_add(u64::from(limit))
            .min(self.next_offer_id);
        let mut page = Vec::new();
        for id in from_id..end {
            if let Some(offer) = self.offers.get(id) {
                if offer.state == OfferState::Open && now < offer.expires_at_ms {
                    page.push((id, offer));
                }
            }
        }
        Ok((page, end.max(from_id)))
    }
}
