"""Innovation: the use-case funnel (stages, horizons, patterns) and its figures."""
