"""CoE maturity: levels per unit, the readiness-to-scale gate and checklists, the growth pack, the verdict."""
