//! Money as people read it: `$199.00 USD`, never `19900`.

use serde::{Deserialize, Serialize};

/// An amount in a currency's minor unit (cents for USD), as Stripe counts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Minor units.
    pub amount: u64,
    /// ISO 4217 code, lower case as Stripe writes it (`usd`).
    pub currency: String,
}

/// Currencies Stripe counts without a minor unit.
const ZERO_DECIMAL: &[&str] = &[
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
];
/// Currencies Stripe counts in thousandths.
const THREE_DECIMAL: &[&str] = &["bhd", "jod", "kwd", "omr", "tnd"];

impl Money {
    /// `amount` minor units of `currency` (the code is lower-cased).
    pub fn new(amount: u64, currency: &str) -> Self {
        Self {
            amount,
            currency: currency.trim().to_ascii_lowercase(),
        }
    }

    /// Digits after the decimal point in this currency.
    pub fn decimals(&self) -> u32 {
        if ZERO_DECIMAL.contains(&self.currency.as_str()) {
            0
        } else if THREE_DECIMAL.contains(&self.currency.as_str()) {
            3
        } else {
            2
        }
    }
}

fn grouped(mut n: u64) -> String {
    let mut groups = Vec::new();
    loop {
        if n < 1000 {
            groups.push(n.to_string());
            break;
        }
        groups.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join(",")
}

impl std::fmt::Display for Money {
    /// `$3,990.00 USD`, `€49.00 EUR`, `¥5,000 JPY`, `12.500 KWD`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let symbol = match self.currency.as_str() {
            "usd" => "$",
            "eur" => "€",
            "gbp" => "£",
            "jpy" => "¥",
            _ => "",
        };
        let decimals = self.decimals();
        let unit = 10u64.pow(decimals);
        let whole = grouped(self.amount / unit);
        let code = self.currency.to_ascii_uppercase();
        if decimals == 0 {
            write!(f, "{symbol}{whole} {code}")
        } else {
            let fraction = self.amount % unit;
            write!(
                f,
                "{symbol}{whole}.{fraction:0width$} {code}",
                width = decimals as usize
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_money() {
        assert_eq!(Money::new(19_900, "usd").to_string(), "$199.00 USD");
        assert_eq!(Money::new(399_000, "USD").to_string(), "$3,990.00 USD");
        assert_eq!(Money::new(5, "eur").to_string(), "€0.05 EUR");
        assert_eq!(Money::new(5_000, "jpy").to_string(), "¥5,000 JPY");
        assert_eq!(Money::new(12_500, "kwd").to_string(), "12.500 KWD");
        assert_eq!(
            Money::new(1_000_000_00, "cad").to_string(),
            "1,000,000.00 CAD"
        );
        assert_eq!(Money::new(0, "gbp").to_string(), "£0.00 GBP");
    }
}
