"""template.yaml's invariants: least privilege per function, durable encrypted tables, imports wired S3 -> SQS.

These read the template as CloudFormation does (devstack.template), so they check what gets deployed.
"""

from pathlib import Path
from typing import Any

import pytest

from devstack.template import Resolver, StackContext, load_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
FUNCTIONS = (
    "IngestApiFunction",
    "PriceLookupFunction",
    "FileImportFunction",
    "ImportsApiFunction",
    "IntegrationsApiFunction",
    "PlatformWebhooksFunction",
    "BigCommerceSyncFunction",
    "ChangeStreamFunction",
)
DATA_TABLES = ("PriceListsTable", "PricesTable", "CustomerGroupsTable", "CustomersTable", "ProductRulesTable")
READ_ACTIONS = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = template["Resources"]
    return resources


def statements(resources: dict[str, Any], function: str) -> list[dict[str, Any]]:
    """Every inline policy statement of a function (policy templates are not statements and are rejected)."""
    found: list[dict[str, Any]] = []
    for policy in resources[function]["Properties"].get("Policies", []):
        assert isinstance(policy, dict), f"{function} uses a managed policy by name: {policy}"
        assert "Statement" in policy, f"{function} uses a SAM policy template: {sorted(policy)}"
        found.extend(policy["Statement"])
    return found


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return [value] if isinstance(value, str) else list(value)


def targets(statement: dict[str, Any]) -> list[Any]:
    value = statement["Resource"]
    return value if isinstance(value, list) else [value]


def grants(resources: dict[str, Any], function: str) -> dict[str, set[str]]:
    """Actions per resource logical id (the table or index a statement points at)."""
    result: dict[str, set[str]] = {}
    for statement in statements(resources, function):
        for target in targets(statement):
            if "Fn::GetAtt" in target:
                key = target["Fn::GetAtt"][0]
            elif "Fn::Sub" in target:
                key = target["Fn::Sub"]
            else:
                key = str(target)
            result.setdefault(key, set()).update(actions(statement))
    return result


# -- least privilege ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_function_has_crud_or_wildcard_permissions(resources, function):
    for statement in statements(resources, function):
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in actions(statement)), statement
        assert all(target != "*" for target in targets(statement)), statement
    policies = resources[function]["Properties"].get("Policies", [])
    assert not any("DynamoDBCrudPolicy" in policy for policy in policies)


def test_the_lookup_function_is_read_only(resources):
    granted = set().union(*grants(resources, "PriceLookupFunction").values())

    assert granted <= READ_ACTIONS


def test_the_lookup_function_reads_exactly_the_pricing_tables_and_cannot_write(resources):
    granted = grants(resources, "PriceLookupFunction")

    assert granted == {
        "PriceListsTable": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Scan"},
        "PricesTable": {"dynamodb:GetItem", "dynamodb:BatchGetItem"},
        "CustomerGroupsTable": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Scan"},
        "CustomersTable": {"dynamodb:GetItem", "dynamodb:BatchGetItem"},
        "ProductRulesTable": {"dynamodb:GetItem", "dynamodb:BatchGetItem"},
        "StampsTable": {"dynamodb:GetItem", "dynamodb:BatchGetItem"},
        # as_of lookups read the history (the table and its ByListing index)
        "HistoryTable": {"dynamodb:Query"},
        "${HistoryTable.Arn}/index/ByListing": {"dynamodb:Query"},
    }


@pytest.mark.parametrize("function", ["IngestApiFunction", "IntegrationsApiFunction", "FileImportFunction"])
def test_every_writer_of_lists_and_groups_may_bump_their_generation_stamps_and_only_that(resources, function):
    assert grants(resources, function)["StampsTable"] == {"dynamodb:UpdateItem"}


def test_the_ingest_api_writes_the_catalogue_and_idempotency_records_only(resources):
    granted = grants(resources, "IngestApiFunction")

    assert set(granted) == {
        *DATA_TABLES,
        "CustomerEmailsTable",
        "IdempotencyTable",
        "StampsTable",
        "HistoryTable",
        CURSOR_SECRET,
        "CustomerLinksTable",
    }
    assert granted[CURSOR_SECRET] == {"secretsmanager:GetSecretValue"}
    assert granted["HistoryTable"] == {"dynamodb:Query"}  # the history routes read; only the stream writes it
    assert granted["CustomerLinksTable"] == {"dynamodb:GetItem"}  # GET /v1/customers?external_id=
    assert "ImportJobsTable" not in granted
    assert granted["IdempotencyTable"] == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    assert "ApiKeysTable" not in granted


def test_only_the_authorizer_reads_key_hashes_and_token_secrets(resources):
    granted = grants(resources, "AuthorizerFunction")

    assert granted == {
        "ApiKeysTable": {"dynamodb:GetItem"},
        "{'Ref': 'CustomerTokenSecret'}": {"secretsmanager:GetSecretValue"},
    }
    for function in ("PriceLookupFunction", "IngestApiFunction", "FileImportFunction", "ImportsApiFunction"):
        assert "ApiKeysTable" not in grants(resources, function)
        assert "{'Ref': 'CustomerTokenSecret'}" not in grants(resources, function)


CURSOR_SECRET = "{'Ref': 'PagingCursorSecret'}"
"""Signs paging cursors; read by the functions that serve listings, never by the authorizer."""


BUCKET_ARN = "arn:${AWS::Partition}:s3:::${AWS::StackName}-imports-${AWS::AccountId}"
CATALOGUE_WRITES = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
}


def test_the_file_import_gets_what_imports_of_every_kind_need_and_nothing_more(resources):
    granted = grants(resources, "FileImportFunction")

    assert granted == {
        f"{BUCKET_ARN}/imports/*": {"s3:GetObject", "s3:GetObjectVersion"},
        # reports, read back to add the rows of a later invocation
        f"{BUCKET_ARN}/reports/*": {"s3:GetObject", "s3:PutObject"},
        # the API's write path for every kind: prices, lists, groups, customers (and their email claims), rules
        "PriceListsTable": CATALOGUE_WRITES | {"dynamodb:Scan"},
        "PricesTable": CATALOGUE_WRITES | {"dynamodb:Query"},
        "CustomerGroupsTable": CATALOGUE_WRITES | {"dynamodb:Scan"},
        "CustomersTable": CATALOGUE_WRITES,
        "CustomerEmailsTable": CATALOGUE_WRITES,
        "ProductRulesTable": CATALOGUE_WRITES,
        "StampsTable": {"dynamodb:UpdateItem"},
        "ImportJobsTable": {"dynamodb:GetItem", "dynamodb:PutItem"},
        # a file that outlasts an invocation queues its own continuation
        "ImportQueue": {"sqs:SendMessage"},
    }


def test_the_file_import_knows_where_to_queue_its_continuations(resources):
    variables = resources["FileImportFunction"]["Properties"]["Environment"]["Variables"]

    assert variables["IMPORT_QUEUE_URL"] == {"Ref": "ImportQueue"}


def test_the_imports_api_signs_uploads_and_report_links_and_tracks_jobs_only(resources):
    granted = grants(resources, "ImportsApiFunction")

    assert granted == {
        f"{BUCKET_ARN}/imports/*": {"s3:PutObject"},
        f"{BUCKET_ARN}/reports/*": {"s3:GetObject"},
        "ImportJobsTable": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan"},
        CURSOR_SECRET: {"secretsmanager:GetSecretValue"},
    }


def test_the_imports_api_serves_its_three_routes_behind_the_authorizer(resources):
    events = resources["ImportsApiFunction"]["Properties"]["Events"].values()

    routes = {(event["Properties"]["Method"].upper(), event["Properties"]["Path"]) for event in events}
    assert routes == {("POST", "/v1/imports"), ("GET", "/v1/imports"), ("GET", "/v1/imports/{id}")}
    assert all(event["Properties"]["RestApiId"] == {"Ref": "TradepriceApi"} for event in events)
    assert all("Auth" not in event["Properties"] for event in events)  # the API's default authorizer applies


# -- storage -----------------------------------------------------------------------------------------------------


def tables(resources: dict[str, Any]) -> list[str]:
    return [name for name, resource in resources.items() if resource["Type"] == "AWS::DynamoDB::Table"]


ALL_TABLES = (
    *DATA_TABLES,
    "CustomerEmailsTable",
    "ApiKeysTable",
    "ImportJobsTable",
    "IdempotencyTable",
    "CustomerLinksTable",
    "StampsTable",
    "HistoryTable",
)


def test_the_template_declares_every_table(resources):
    assert sorted(tables(resources)) == sorted(ALL_TABLES)


@pytest.mark.parametrize(
    "table",
    ALL_TABLES,
)
def test_every_table_is_on_demand_recoverable_encrypted_and_retained(resources, table):
    resource = resources[table]
    properties = resource["Properties"]

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize(
    ("table", "keys"),
    [
        ("PriceListsTable", [("slug", "HASH")]),
        ("PricesTable", [("pk", "HASH"), ("sku", "RANGE")]),
        ("CustomerGroupsTable", [("slug", "HASH")]),
        ("CustomersTable", [("id", "HASH")]),
        ("ProductRulesTable", [("sku", "HASH"), ("group", "RANGE")]),
        ("ImportJobsTable", [("id", "HASH")]),
        ("IdempotencyTable", [("id", "HASH")]),
        ("CustomerEmailsTable", [("email", "HASH")]),
        ("ApiKeysTable", [("key_id", "HASH")]),
        ("CustomerLinksTable", [("external_id", "HASH")]),
        ("StampsTable", [("id", "HASH")]),
    ],
)
def test_table_keys_are_the_ones_the_data_layer_uses(resources, table, keys):
    properties = resources[table]["Properties"]

    assert [(key["AttributeName"], key["KeyType"]) for key in properties["KeySchema"]] == keys


def test_emails_are_claimed_in_a_table_keyed_by_email_not_an_eventually_consistent_index(resources):
    assert "GlobalSecondaryIndexes" not in resources["CustomersTable"]["Properties"]
    assert resources["CustomerEmailsTable"]["Properties"]["KeySchema"] == [
        {"AttributeName": "email", "KeyType": "HASH"}
    ]


def test_idempotency_records_expire_by_ttl_as_powertools_expects(resources):
    assert resources["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expiration",
        "Enabled": True,
    }


def test_every_table_reaches_the_functions_through_the_environment(template, resources):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]

    referenced = {value["Ref"] for value in variables.values() if isinstance(value, dict) and "Ref" in value}
    assert referenced - {"FieldOwnership"} == set(tables(resources))


# -- imports -----------------------------------------------------------------------------------------------------


def test_the_imports_bucket_is_named_by_string_so_nothing_is_circular(template, resources):
    bucket_name = resources["ImportsBucket"]["Properties"]["BucketName"]

    assert bucket_name == {"Fn::Sub": "${AWS::StackName}-imports-${AWS::AccountId}"}
    assert template["Globals"]["Function"]["Environment"]["Variables"]["IMPORTS_BUCKET"] == bucket_name


def test_objects_created_under_imports_notify_the_import_queue(resources):
    (notification,) = resources["ImportsBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]

    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Queue"] == {"Fn::GetAtt": ["ImportQueue", "Arn"]}
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "imports/"}]
    # S3 checks its permission to send when the notification is configured.
    assert resources["ImportsBucket"]["DependsOn"] == "ImportQueuePolicy"


def test_the_imports_bucket_is_private_versioned_encrypted_and_tls_only(resources):
    properties = resources["ImportsBucket"]["Properties"]
    (statement,) = resources["ImportsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]

    assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_only_this_stacks_bucket_may_send_to_the_import_queue(resources):
    (statement,) = resources["ImportQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]

    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}-imports-${AWS::AccountId}"
    }
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_the_import_queue_dead_letters_poison_and_outlasts_retries(resources):
    queue = resources["ImportQueue"]["Properties"]
    timeout = resources["FileImportFunction"]["Properties"]["Timeout"]

    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["ImportDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 3,
    }
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert queue["SqsManagedSseEnabled"] is True
    assert resources["ImportDeadLetterQueue"]["Properties"]["SqsManagedSseEnabled"] is True


def test_the_import_function_reads_the_queue_reporting_partial_batch_failures(resources):
    (event,) = resources["FileImportFunction"]["Properties"]["Events"].values()

    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["ImportQueue", "Arn"]}
    assert 1 <= event["Properties"]["BatchSize"] <= 10
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


# -- functions, API, observability -------------------------------------------------------------------------------


def test_functions_run_python_312_on_arm64_with_the_shared_layer(template):
    function_globals = template["Globals"]["Function"]

    assert function_globals["Runtime"] == "python3.12"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Layers"] == [{"Ref": "TradepriceLayer"}]


@pytest.mark.parametrize(
    ("function", "code_uri"),
    [
        ("IngestApiFunction", "functions/ingest_api/"),
        ("PriceLookupFunction", "functions/price_lookup/"),
        ("FileImportFunction", "functions/file_import/"),
        ("ImportsApiFunction", "functions/imports_api/"),
        ("PlatformWebhooksFunction", "functions/platform_webhooks/"),
        ("BigCommerceSyncFunction", "functions/bigcommerce_sync/"),
    ],
)
def test_each_function_logs_to_its_own_retained_log_group(resources, function, code_uri):
    properties = resources[function]["Properties"]
    log_group = resources[properties["LoggingConfig"]["LogGroup"]["Ref"]]
    function_name = properties["FunctionName"]["Fn::Sub"]

    assert properties["CodeUri"] == code_uri
    assert properties["Handler"] == "app.lambda_handler"
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{function_name}"}
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_lookup_function_gets_its_strategy_from_a_parameter_and_has_no_cache_time(template, resources):
    variables = resources["PriceLookupFunction"]["Properties"]["Environment"]["Variables"]

    assert variables["PRICE_STRATEGY"] == {"Ref": "PriceStrategy"}
    # Freshness comes from generation stamps, not a time to live: there is no staleness window to configure.
    assert "REFERENCE_CACHE_SECONDS" not in variables
    assert "ReferenceCacheSeconds" not in template["Parameters"]


def test_the_api_is_throttled_traced_and_access_logged(resources):
    properties = resources["TradepriceApi"]["Properties"]
    (settings,) = properties["MethodSettings"]

    assert properties["StageName"] == {"Ref": "Stage"}
    assert properties["TracingEnabled"] is True
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurst"}
    assert properties["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}


def test_unknown_routes_answer_an_rfc7807_404_on_aws_too(resources):
    response = resources["TradepriceApi"]["Properties"]["GatewayResponses"]["MISSING_AUTHENTICATION_TOKEN"]

    assert response["StatusCode"] == "404"
    assert response["ResponseParameters"]["Headers"]["Content-Type"] == "'application/problem+json'"


def test_every_route_of_the_contract_is_served(resources):
    routes = {
        (event["Properties"]["Method"].upper(), event["Properties"]["Path"], function)
        for function in FUNCTIONS
        for event in resources[function]["Properties"].get("Events", {}).values()
        if event["Type"] == "Api"
    }

    assert {
        ("GET", "/v1/health", "IngestApiFunction"),
        ("GET", "/v1/price-lists", "IngestApiFunction"),
        ("PUT", "/v1/price-lists/{slug}", "IngestApiFunction"),
        ("GET", "/v1/price-lists/{slug}", "IngestApiFunction"),
        ("PUT", "/v1/price-lists/{slug}/prices", "IngestApiFunction"),
        ("GET", "/v1/price-lists/{slug}/prices/{sku}", "IngestApiFunction"),
        ("POST", "/v1/pricing/lookup", "PriceLookupFunction"),
        ("GET", "/v1/pricing/{sku}", "PriceLookupFunction"),
    } <= routes


@pytest.mark.parametrize(("reserved", "expected"), [("0", False), ("5", True)])
def test_import_concurrency_is_reserved_only_when_asked(template, reserved, expected):
    resolver = Resolver(
        template,
        StackContext(stack_name="tradeprice-test", region="eu-west-2", account_id="123456789012"),
        {"ImportReservedConcurrency": reserved},
    )

    properties = resolver.resolve(template["Resources"]["FileImportFunction"]["Properties"])

    assert ("ReservedConcurrentExecutions" in properties) is expected


def test_the_template_passes_cfn_lint_including_informational_checks():
    from cfnlint.api import ManualArgs, lint_file

    assert lint_file(TEMPLATE, config=ManualArgs(include_checks=["I"])) == []


# -- integrations ------------------------------------------------------------------------------------------------


def test_the_integrations_api_gets_the_write_path_it_feeds_and_nothing_more(resources):
    granted = grants(resources, "IntegrationsApiFunction")
    writes = {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
    }

    assert granted == {
        "PriceListsTable": writes | {"dynamodb:Scan"},
        "PricesTable": writes,
        "CustomerGroupsTable": writes | {"dynamodb:Scan"},
        "CustomersTable": writes,
        "CustomerEmailsTable": writes,
        "ProductRulesTable": writes,
        "StampsTable": {"dynamodb:UpdateItem"},
        "IdempotencyTable": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        # the Linnworks push carries its key in the body, so the function checks it against the hashes itself
        "ApiKeysTable": {"dynamodb:GetItem"},
    }


def test_the_integrations_api_logs_to_its_own_retained_log_group(resources):
    properties = resources["IntegrationsApiFunction"]["Properties"]
    log_group = resources[properties["LoggingConfig"]["LogGroup"]["Ref"]]

    assert properties["CodeUri"] == "functions/integrations_api/"
    assert log_group["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${AWS::StackName}-integrations-api"}
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_only_the_linnworks_push_skips_the_authorizer(resources):
    events = {
        event["Properties"]["Path"]: event["Properties"].get("Auth", {}).get("Authorizer")
        for event in resources["IntegrationsApiFunction"]["Properties"]["Events"].values()
    }

    assert events == {
        "/v1/integrations/{system}/{resource}": None,  # the API's default bearer authorizer
        "/v1/linnworks/price-update": "NONE",
    }


# -- alarms ------------------------------------------------------------------------------------------------------


def alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def alarm_on(resources: dict[str, Any], namespace: str, metric: str, dimension: str, value: Any) -> dict[str, Any]:
    """The one alarm on a single metric with the given dimension, failing if there is none or more than one."""
    found = [
        properties
        for properties in alarms(resources).values()
        if properties.get("Namespace") == namespace
        and properties.get("MetricName") == metric
        and {"Name": dimension, "Value": value} in properties.get("Dimensions", [])
    ]
    assert len(found) == 1, f"{len(found)} alarms on {namespace} {metric} {dimension}={value}"
    return found[0]


def test_every_alarm_notifies_the_alerts_topic(resources):
    assert alarms(resources)
    for logical_id, properties in alarms(resources).items():
        assert properties["AlarmActions"] == [{"Ref": "AlertsTopic"}], logical_id


def test_every_function_alarms_on_errors_and_throttles(resources):
    functions = [logical_id for logical_id, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    assert set(FUNCTIONS) <= set(functions)

    for function in functions:
        for metric in ("Errors", "Throttles"):
            alarm = alarm_on(resources, "AWS/Lambda", metric, "FunctionName", {"Ref": function})
            assert alarm["Threshold"] == 0
            assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
            assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]


def test_a_message_in_the_dead_letter_queue_raises_an_alarm(resources):
    alarm = alarm_on(
        resources,
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        {"Fn::GetAtt": ["ImportDeadLetterQueue", "QueueName"]},
    )

    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]


def test_the_api_alarms_on_its_5xx_rate_and_the_lookups_p99_latency(resources):
    rate = alarms(resources)["Api5xxRateAlarm"]
    metrics = {metric["Id"]: metric for metric in rate["Metrics"]}
    assert metrics["errors"]["MetricStat"]["Metric"]["MetricName"] == "5XXError"
    assert metrics["requests"]["MetricStat"]["Metric"]["MetricName"] == "Count"
    assert [metric["Id"] for metric in rate["Metrics"] if metric["ReturnData"]] == ["rate"]

    latency = alarm_on(resources, "AWS/ApiGateway", "Latency", "Resource", "/v1/pricing/lookup")
    assert latency["ExtendedStatistic"] == "p99"
    assert latency["Threshold"] == {"Ref": "LookupLatencyAlarmMs"}


def test_the_alerts_topic_is_encrypted_with_a_key_cloudwatch_may_use(resources):
    topic = resources["AlertsTopic"]["Properties"]
    key_policy = resources[topic["KmsMasterKeyId"]["Ref"]]["Properties"]["KeyPolicy"]

    assert any(
        statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        and set(statement["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
        for statement in key_policy["Statement"]
    )


@pytest.mark.parametrize(("email", "subscribed"), [("", False), ("ops@example.com", True)])
def test_alarms_are_emailed_only_when_an_address_is_given(template, email, subscribed):
    resolver = Resolver(
        template,
        StackContext(stack_name="tradeprice-test", region="eu-west-2", account_id="123456789012"),
        {"AlertEmail": email},
    )

    assert resolver.resource_condition_holds("AlertEmailSubscription") is subscribed


def test_failed_imports_alarm_watches_the_metric_the_import_function_emits(resources):
    alarm = resources["FailedImportsAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("tradeprice", "ImportsFailed")
    assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]
    handler = (Path(__file__).resolve().parents[2] / "functions" / "file_import" / "app.py").read_text()
    assert '"ImportsFailed"' in handler


# -- platform webhooks -------------------------------------------------------------------------------------------

CUSTOMER_WRITES = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}


def test_the_platform_webhooks_are_outside_the_key_authorizer_and_nothing_else_of_theirs_is(resources):
    events = resources["PlatformWebhooksFunction"]["Properties"]["Events"].values()

    assert {
        (event["Properties"]["Method"], event["Properties"]["Path"], event["Properties"]["Auth"]["Authorizer"])
        for event in events
    } == {("post", "/v1/webhooks/shopify", "NONE"), ("post", "/v1/webhooks/bigcommerce", "NONE")}


def test_the_webhook_function_reads_only_the_webhook_secrets_and_writes_only_customers(resources):
    granted = grants(resources, "PlatformWebhooksFunction")

    assert granted == {
        "{'Ref': 'ShopifyAppSecret'}": {"secretsmanager:GetSecretValue"},
        "{'Ref': 'BigCommerceWebhookSecret'}": {"secretsmanager:GetSecretValue"},
        "CustomersTable": CUSTOMER_WRITES,
        "CustomerEmailsTable": CUSTOMER_WRITES,
        "PriceListsTable": {"dynamodb:Scan"},
        "CustomerGroupsTable": {"dynamodb:Scan"},
        "CustomerLinksTable": {"dynamodb:GetItem", "dynamodb:PutItem"},
        "IdempotencyTable": {"dynamodb:GetItem", "dynamodb:PutItem"},
        "PlatformSyncQueue": {"sqs:SendMessage"},
    }


def test_only_the_sync_function_holds_the_bigcommerce_api_token(resources):
    granted = grants(resources, "BigCommerceSyncFunction")

    assert granted == {
        "{'Ref': 'BigCommerceApiSecret'}": {"secretsmanager:GetSecretValue"},
        "CustomersTable": CUSTOMER_WRITES,
        "CustomerEmailsTable": CUSTOMER_WRITES,
        "PriceListsTable": {"dynamodb:Scan"},
        "CustomerGroupsTable": {"dynamodb:Scan"},
        "CustomerLinksTable": {"dynamodb:GetItem", "dynamodb:PutItem"},
    }
    for function in FUNCTIONS:
        if function != "BigCommerceSyncFunction":
            assert "{'Ref': 'BigCommerceApiSecret'}" not in grants(resources, function)


def test_failed_bigcommerce_fetches_end_in_a_watched_dead_letter_queue(resources):
    (event,) = resources["BigCommerceSyncFunction"]["Properties"]["Events"].values()
    redrive = resources["PlatformSyncQueue"]["Properties"]["RedrivePolicy"]

    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["PlatformSyncQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["PlatformSyncDeadLetterQueue", "Arn"]}
    assert (
        resources["PlatformSyncQueue"]["Properties"]["VisibilityTimeout"]
        >= 6 * resources["BigCommerceSyncFunction"]["Properties"]["Timeout"]
    )
    alarm = alarm_on(
        resources,
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        {"Fn::GetAtt": ["PlatformSyncDeadLetterQueue", "QueueName"]},
    )
    assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]


def test_every_customer_writer_gets_the_field_ownership_document(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]

    assert variables["FIELD_OWNERSHIP"] == {"Ref": "FieldOwnership"}


def test_snapstart_for_the_lookup_is_a_parameter_applied_to_published_versions(template, resources):
    properties = resources["PriceLookupFunction"]["Properties"]

    assert template["Parameters"]["LookupSnapStart"]["Default"] == "false"
    assert template["Conditions"]["LookupSnapStartOn"] == {"Fn::Equals": [{"Ref": "LookupSnapStart"}, "true"]}
    assert properties["SnapStart"] == {"ApplyOn": {"Fn::If": ["LookupSnapStartOn", "PublishedVersions", "None"]}}
    assert properties["AutoPublishAlias"] == "live"  # SnapStart only snapshots published versions


def test_only_the_change_stream_writes_history_and_publishes_events(resources):
    granted = grants(resources, "ChangeStreamFunction")

    assert granted["HistoryTable"] == {"dynamodb:BatchWriteItem", "dynamodb:UpdateItem"}
    assert set(granted) == {"HistoryTable", "EventBus", "ChangeStreamDeadLetterQueue"}
    for function in set(FUNCTIONS) - {"ChangeStreamFunction"}:
        assert not grants(resources, function).get("HistoryTable", set()) - READ_ACTIONS, function
