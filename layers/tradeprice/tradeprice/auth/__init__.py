"""Credentials a caller presents: customer tokens (tokens.py). Pure code; the authorizer fetches the secrets."""
