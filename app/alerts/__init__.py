"""Risk alerts: `risk.alert` once per crossing of a condition that needs a person now."""
