"""Data access: the only package that touches boto3. It returns domain models, never raw responses."""
