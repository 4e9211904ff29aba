"""The local stack: template.yaml's tables, bucket and queues in moto, its API on localhost, its SQS sources polled.

No code path exists only for local mode except this wiring: the handlers, the tables' schema and the routes
are the template's own.
"""
