"""Business value: the value ledger (realised), its projection, the value page's valuation, and currency conversion."""
