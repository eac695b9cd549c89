//! The committed contract artifacts deployed on the embedded sandbox chain and driven
//! through the SDK, one module per contract. One test binary, not five: each links the
//! whole pallet-contracts runtime, and linking is most of an e2e build.
//! (The same contracts on a real node: `tests/node.rs`.)

mod common;
mod fares;
mod market;
mod parking;
mod registry;
mod token;
