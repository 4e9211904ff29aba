"""Business logic: what tradeprice does, independent of HTTP, SQS and DynamoDB."""
