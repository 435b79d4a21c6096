"""The rule engine and the SEO rules: one rule per module, pure functions of recorded facts."""
