"""`make bench`: figures and ratios, printed; never asserted (these machines are shared and noisy)."""
