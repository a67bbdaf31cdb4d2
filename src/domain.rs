//! The vocabulary every stage shares: the two classification axes, tiers, severities,
//! coverage states, and the facts that describe an application.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! ordered_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            pub fn names() -> impl Iterator<Item = &'static str> + Clone {
                Self::ALL.iter().map(|v| v.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

ordered_enum! {
    /// How sensitive the data an asset holds is, lowest first.
    Sensitivity { Public => "public", Internal => "internal", Confidential => "confidential", Restricted => "restricted" }
}

ordered_enum! {
    /// What losing the asset does to the business, lowest first.
    Impact { Low => "low", Medium => "medium", High => "high", Critical => "critical" }
}

ordered_enum! {
    /// How serious a finding is, lowest first.
    Severity { Info => "info", Low => "low", Medium => "medium", High => "high", Critical => "critical" }
}

ordered_enum! {
    /// Whether an asset is watched as its tier requires.
    Coverage { Covered => "covered", Unknown => "unknown", Gap => "gap", NotApplicable => "not-applicable" }
}

ordered_enum! {
    /// Who uses an application.
    Delivery { Saas => "saas", Internal => "internal" }
}

ordered_enum! {
    /// Where an application can be reached from.
    Exposure { Internet => "internet", Internal => "internal" }
}

ordered_enum! {
    /// Whether an application serves one customer or many from shared resources.
    Tenancy { Single => "single", Multi => "multi" }
}

ordered_enum! {
    /// Where an application's alert is sent.
    Routing { Sentinel => "sentinel", Other => "other", None => "none" }
}

ordered_enum! {
    /// The three recurring shapes of customer.
    Archetype { Traditional => "traditional", InternalPaas => "internal-paas", SaasProvider => "saas-provider" }
}

ordered_enum! {
    /// How much PaaS monitoring an archetype needs.
    PaasNeed { LowMedium => "low-medium", MediumHigh => "medium-high", HighVeryHigh => "high-very-high" }
}

impl Archetype {
    pub fn paas_monitoring_need(self) -> PaasNeed {
        match self {
            Archetype::Traditional => PaasNeed::LowMedium,
            Archetype::InternalPaas => PaasNeed::MediumHigh,
            Archetype::SaasProvider => PaasNeed::HighVeryHigh,
        }
    }
}

impl Severity {
    /// Moves the severity `steps` up (positive) or down, staying within info..critical.
    pub fn shifted(self, steps: i8) -> Severity {
        let i = Severity::ALL.iter().position(|s| *s == self).unwrap_or(0) as i16;
        let j = (i + i16::from(steps)).clamp(0, Severity::ALL.len() as i16 - 1);
        Severity::ALL[j as usize]
    }
}

/// Tier 1 holds the crown jewels; tier 4 the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tier(pub u8);

impl Tier {
    pub const ALL: [Tier; 4] = [Tier(1), Tier(2), Tier(3), Tier(4)];

    /// 1 if restricted or critical; 2 if confidential or high; 3 if internal or medium; else 4.
    pub fn of(sensitivity: Sensitivity, impact: Impact) -> Tier {
        if sensitivity == Sensitivity::Restricted || impact == Impact::Critical {
            Tier(1)
        } else if sensitivity == Sensitivity::Confidential || impact == Impact::High {
            Tier(2)
        } else if sensitivity == Sensitivity::Internal || impact == Impact::Medium {
            Tier(3)
        } else {
            Tier(4)
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_takes_the_stronger_axis() {
        assert_eq!(Tier::of(Sensitivity::Public, Impact::Critical), Tier(1));
        assert_eq!(Tier::of(Sensitivity::Restricted, Impact::Low), Tier(1));
        assert_eq!(Tier::of(Sensitivity::Confidential, Impact::Low), Tier(2));
        assert_eq!(Tier::of(Sensitivity::Public, Impact::High), Tier(2));
        assert_eq!(Tier::of(Sensitivity::Internal, Impact::Low), Tier(3));
        assert_eq!(Tier::of(Sensitivity::Public, Impact::Low), Tier(4));
    }

    #[test]
    fn severity_shift_is_clamped() {
        assert_eq!(Severity::High.shifted(1), Severity::Critical);
        assert_eq!(Severity::Critical.shifted(1), Severity::Critical);
        assert_eq!(Severity::Medium.shifted(-2), Severity::Info);
        assert_eq!(Severity::Low.shifted(-2), Severity::Info);
    }
}
