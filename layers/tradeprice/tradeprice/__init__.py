"""tradeprice: the shared core of every function (domain models, logic, data access)."""
