//! Numbers as ServiceStack writes them: a whole double without a fraction (`199`, not `199.0`). Clients read
//! either; matching the server they were written against keeps diffs and snapshots quiet.

use serde::Serializer;

/// Largest magnitude at which every integer is exactly representable as an f64 (2^53).
const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.fract() == 0.0 && value.abs() < EXACT_INTEGER_LIMIT {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

pub fn serialize_option<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => serialize(v, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use crate::{BillingItem, Value};

    #[test]
    fn whole_numbers_are_written_without_a_fraction() {
        let item = BillingItem { base_cost: 199.0, raw_unit_multiplier: 0.0166667, unit_cost: -0.0, allowance: 3 };
        let json = serde_json::to_string(&item).expect("serializes");
        assert_eq!(json, r#"{"baseCost":199,"rawUnitMultiplier":0.0166667,"unitCost":0,"allowance":3}"#);
        assert_eq!(serde_json::to_string(&Value::number(1e300)).expect("serializes"), r#"{"numberValue":1e+300}"#);
        assert_eq!(serde_json::to_string(&Value::number(12.0)).expect("serializes"), r#"{"numberValue":12}"#);
    }
}
