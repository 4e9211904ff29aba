"""Domain models: the canonical shape of everything tradeprice holds. Imports nothing of ours but itself."""
