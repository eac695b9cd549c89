//! Smart credit points: 6 decimals, 1 SCP = 1,000,000 micro-credits (what the token
//! counts in).

use anyhow::Context;

/// Credits have 6 decimals: 1 SCP = 1,000,000 micro-credits.
pub const MICRO: u128 = 1_000_000;

/// `12.5` -> 12,500,000 micro-credits; anything else than a non-negative decimal with at
/// most 6 places is refused by name.
pub fn parse_credits(text: &str) -> anyhow::Result<u128> {
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty() && fraction.is_empty() {
        anyhow::bail!("no amount given");
    }
    if fraction.len() > 6 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        anyhow::bail!("{text:?}: credits have at most 6 decimal places");
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .with_context(|| format!("{text:?} is not an amount"))?
    };
    let fraction: u128 = format!("{fraction:0<6}").parse().unwrap_or(0);
    whole
        .checked_mul(MICRO)
        .and_then(|w| w.checked_add(fraction))
        .with_context(|| format!("{text:?} is too large"))
}

/// 12,500,000 micro-credits -> "12.5 SCP".
pub fn format_credits(micro: u128) -> String {
    let (whole, fraction) = (micro / MICRO, micro % MICRO);
    if fraction == 0 {
        format!("{whole} SCP")
    } else {
        format!(
            "{whole}.{} SCP",
            format!("{fraction:06}").trim_end_matches('0')
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_parse_and_format_with_six_decimals() {
        assert_eq!(parse_credits("12.5").unwrap(), 12_500_000);
        assert_eq!(parse_credits("3").unwrap(), 3_000_000);
        assert_eq!(parse_credits(".000001").unwrap(), 1);
        assert!(parse_credits("1.0000001").is_err());
        assert!(parse_credits("-1").is_err());
        assert!(parse_credits("abc").is_err());
        assert!(parse_credits("").is_err());
        assert!(parse_credits("1.2x").is_err());
        assert_eq!(format_credits(12_500_000), "12.5 SCP");
        assert_eq!(format_credits(5_000_000), "5 SCP");
        assert_eq!(format_credits(1), "0.000001 SCP");
    }
}
