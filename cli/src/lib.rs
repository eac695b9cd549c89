//! The `smartcity` command: a city day on the embedded chain (`demo`), the benchmarks
//! (`bench`), and commands on a saved city (`commands`: vouchers, meters, the fares
//! report, balances). An application of the SDK (`smartcity-sdk`), the embedded chain
//! (`smartcity-sandbox`), the city's set-up (`smartcity-suite`) and the meter feed
//! (`meter-feed`).

pub mod bench;
pub mod commands;
pub mod demo;
pub mod deploy;
pub mod qr;
pub mod residents;
pub mod weigh;
