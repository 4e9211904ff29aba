"""devstack reads the template as CloudFormation would and deploys exactly its schema into moto."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
from moto import mock_aws

from devstack.infra import Deployment, deploy, plan
from devstack.sqs_source import failed_message_ids, sqs_event
from devstack.template import (
    NO_VALUE,
    Resolver,
    StackContext,
    TemplateError,
    load_template,
    merge_globals,
    parse_template,
)
from devstack.testing import TEST_ENVIRONMENT, api_event, drain_queue, lambda_context, mocked_stack, patched_environment

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
CONTEXT = StackContext(stack_name="shop", region="eu-west-2", account_id="123456789012")

SHORT_TAGS = """
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 5, MinValue: 1, MaxValue: 10}
  Names: {Type: CommaDelimitedList, Default: "a,b"}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [!Ref Size, "5"]]
  Either: !Or [!Condition IsProd, !Condition Both]
Mappings:
  Sizes:
    dev: {Memory: 512}
    prod: {Memory: 2048}
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Named:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-named"
  Table:
    Type: AWS::DynamoDB::Table
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-files-${AWS::AccountId}"
  Fn:
    Type: AWS::Serverless::Function
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Subject:
    Type: AWS::SQS::Queue
    Properties:
      Ref: !Ref Queue
      Arn: !GetAtt Queue.Arn
      ArnList: !GetAtt [Table, Arn]
      QueueName: !GetAtt Named.QueueName
      Sub: !Sub "${AWS::Region}/${AWS::Partition}/${Table.Arn}/${Stage}/${!Literal}"
      SubMap: !Sub ["${Greeting}, ${AWS::StackName}", {Greeting: !Ref Stage}]
      Join: !Join ["-", [!Ref Stage, !Ref Size, !Select [1, !Ref Names]]]
      Split: !Split [",", "x,y"]
      If: !If [IsProd, big, small]
      Gone: !If [IsProd, here, !Ref AWS::NoValue]
      List: [one, !Ref AWS::NoValue, two]
      Memory: !FindInMap [Sizes, !Ref Stage, Memory]
      Both: !If [Both, "both", "not both"]
      Either: !If [Either, "either", "neither"]
      Function: !GetAtt Fn.Arn
      BucketArn: !GetAtt Bucket.Arn
"""


@pytest.fixture
def subject() -> tuple[dict[str, Any], dict[str, Any]]:
    template = parse_template(SHORT_TAGS)
    return template, template["Resources"]["Subject"]["Properties"]


def resolved(overrides: dict[str, str] | None = None) -> dict[str, Any]:
    template = parse_template(SHORT_TAGS)
    resolver = Resolver(template, CONTEXT, overrides or {})
    result = resolver.resolve(template["Resources"]["Subject"]["Properties"])
    assert isinstance(result, dict)
    return result


# -- reading the template ----------------------------------------------------------------------------------------


def test_short_tags_become_their_long_form(subject):
    template, properties = subject

    assert template["AWSTemplateFormatVersion"] == "2010-09-09"  # a string, not a date
    assert properties["Ref"] == {"Ref": "Queue"}
    assert properties["Arn"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert properties["ArnList"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert properties["SubMap"] == {"Fn::Sub": ["${Greeting}, ${AWS::StackName}", {"Greeting": {"Ref": "Stage"}}]}
    assert properties["If"] == {"Fn::If": ["IsProd", "big", "small"]}
    assert template["Conditions"]["IsDev"] == {"Fn::Not": [{"Condition": "IsProd"}]}


def test_the_project_template_loads_with_every_section():
    template = load_template(TEMPLATE)

    assert {"Parameters", "Conditions", "Globals", "Resources", "Outputs"} <= set(template)


def test_a_document_without_resources_is_not_a_template():
    with pytest.raises(TemplateError):
        parse_template("just: yaml")


# -- resolving intrinsic functions -------------------------------------------------------------------------------


def test_refs_resolve_to_parameters_pseudo_parameters_and_physical_names():
    values = resolved()

    assert values["Ref"] == "https://sqs.eu-west-2.amazonaws.com/123456789012/shop-Queue"
    assert values["Arn"] == "arn:aws:sqs:eu-west-2:123456789012:shop-Queue"
    assert values["ArnList"] == "arn:aws:dynamodb:eu-west-2:123456789012:table/shop-Table"
    assert values["QueueName"] == "shop-named"
    assert values["Function"] == "arn:aws:lambda:eu-west-2:123456789012:function:shop-Fn"
    assert values["BucketArn"] == "arn:aws:s3:::shop-files-123456789012"


def test_sub_expands_pseudo_parameters_attributes_variables_and_escapes():
    values = resolved()

    assert values["Sub"] == "eu-west-2/aws/arn:aws:dynamodb:eu-west-2:123456789012:table/shop-Table/dev/${Literal}"
    assert values["SubMap"] == "dev, shop"


def test_join_select_split_and_find_in_map():
    values = resolved()

    assert values["Join"] == "dev-5-b"
    assert values["Split"] == ["x", "y"]
    assert values["Memory"] == 512


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, {"If": "small", "Both": "both", "Either": "either"}),
        ({"Stage": "prod"}, {"If": "big", "Gone": "here", "Both": "not both", "Either": "either"}),
        ({"Size": "6"}, {"If": "small", "Both": "not both", "Either": "neither"}),
    ],
)
def test_conditions_choose_branches_and_no_value_removes_keys(overrides, expected):
    values = resolved(overrides)

    assert {key: values[key] for key in ("If", "Both", "Either")} == {
        key: expected[key] for key in ("If", "Both", "Either")
    }
    assert values.get("Gone") == expected.get("Gone")
    assert values["List"] == ["one", "two"]


@pytest.mark.parametrize(
    "overrides",
    [{"Stage": "staging"}, {"Size": "11"}, {"Size": "lots"}, {"Unknown": "x"}],
)
def test_parameter_values_are_checked_like_cloudformation_does(overrides):
    with pytest.raises(TemplateError):
        Resolver(parse_template(SHORT_TAGS), CONTEXT, overrides)


def test_resources_whose_condition_is_false_are_not_created():
    template = parse_template(SHORT_TAGS)

    assert Resolver(template, CONTEXT).resource_condition_holds("ProdOnly") is False
    assert Resolver(template, CONTEXT, {"Stage": "prod"}).resource_condition_holds("ProdOnly") is True


def test_unsupported_attributes_fail_loudly():
    resolver = Resolver(parse_template(SHORT_TAGS), CONTEXT)

    with pytest.raises(TemplateError):
        resolver.resolve({"Fn::GetAtt": ["Table", "LatestStreamLabel"]})
    assert resolver.resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_globals_merge_like_sam_maps_merge_lists_append_scalars_override():
    merged = merge_globals(
        {"Timeout": 10, "Layers": ["a"], "Environment": {"Variables": {"A": "1", "B": "1"}}},
        {"Timeout": 900, "Layers": ["b"], "Environment": {"Variables": {"B": "2", "C": "3"}}},
    )

    assert merged == {
        "Timeout": 900,
        "Layers": ["a", "b"],
        "Environment": {"Variables": {"A": "1", "B": "2", "C": "3"}},
    }


# -- describing the project's stack ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planned() -> Deployment:
    return plan(TEMPLATE, stack_name="tradeprice-local", region="eu-west-2", account_id="123456789012")


def test_functions_map_to_their_handler_modules(planned):
    assert {name: (spec.module, spec.attribute) for name, spec in planned.functions.items()} == {
        "IngestApiFunction": ("functions.ingest_api.app", "lambda_handler"),
        "PriceLookupFunction": ("functions.price_lookup.app", "lambda_handler"),
        "FileImportFunction": ("functions.file_import.app", "lambda_handler"),
        "ImportsApiFunction": ("functions.imports_api.app", "lambda_handler"),
        "ConsoleFunction": ("functions.console.app", "lambda_handler"),
        "PlatformWebhooksFunction": ("functions.platform_webhooks.app", "lambda_handler"),
        "BigCommerceSyncFunction": ("functions.bigcommerce_sync.app", "lambda_handler"),
        "IntegrationsApiFunction": ("functions.integrations_api.app", "lambda_handler"),
        "AuthorizerFunction": ("functions.authorizer.app", "lambda_handler"),
        "ChangeStreamFunction": ("functions.change_stream.app", "lambda_handler"),
    }
    assert planned.functions["FileImportFunction"].timeout_seconds == 900
    assert planned.functions["IngestApiFunction"].name == "tradeprice-local-ingest-api"


def test_function_environment_merges_globals_with_the_functions_own(planned):
    lookup = planned.function_environment("PriceLookupFunction")
    ingest = planned.function_environment("IngestApiFunction")

    assert lookup["PRICES_TABLE"] == ingest["PRICES_TABLE"] == "tradeprice-local-PricesTable"
    assert lookup["IMPORTS_BUCKET"] == planned.physical_name("ImportsBucket") == "tradeprice-local-imports-123456789012"
    assert lookup["PRICE_STRATEGY"] == "first"
    assert "PRICE_STRATEGY" not in ingest
    assert lookup["POWERTOOLS_LOG_LEVEL"] == "DEBUG"


def test_parameters_reach_the_environment():
    deployment = plan(
        TEMPLATE,
        region="eu-west-2",
        account_id="123456789012",
        parameters={"Stage": "prod", "PriceStrategy": "lowest", "LogRetentionDays": "7"},
    )

    environment = deployment.function_environment("PriceLookupFunction")
    assert environment["PRICE_STRATEGY"] == "lowest"
    assert environment["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert deployment.apis[0].stage == "prod"


def test_api_routes_come_from_the_api_events(planned):
    assert ("POST", "/v1/pricing/lookup", "PriceLookupFunction") in planned.api_routes
    assert ("GET", "/v1/price-lists/{slug}/prices/{sku}", "IngestApiFunction") in planned.api_routes
    (api,) = planned.apis
    assert api.stage == "dev"
    assert api.cors is not None
    assert api.cors.allow_origin == "https://shop.example.com"
    assert api.gateway_responses["MISSING_AUTHENTICATION_TOKEN"].status_code == 404


def test_the_import_queue_feeds_the_import_function(planned):
    (subscription,) = [s for s in planned.sqs_subscriptions if s.function == "FileImportFunction"]

    assert subscription.queue == "ImportQueue"
    assert subscription.report_batch_item_failures is True
    assert subscription.queue_arn == "arn:aws:sqs:eu-west-2:123456789012:tradeprice-local-ImportQueue"


def test_the_layer_is_importable_like_lambdas_opt_python(planned):
    root = TEMPLATE.parent
    assert planned.python_paths == (root, root / "layers" / "tradeprice")


def test_functions_sharing_a_process_must_agree_on_each_variable():
    template = """
Resources:
  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: a/, Handler: app.h, Environment: {Variables: {X: "1"}}}}
  B: {Type: AWS::Serverless::Function, Properties: {CodeUri: b/, Handler: app.h, Environment: {Variables: {X: "2"}}}}
"""
    resolver = Resolver(parse_template(template), CONTEXT)
    from devstack.infra import _describe

    deployment = _describe(TEMPLATE, resolver.template, resolver)
    with pytest.raises(TemplateError, match="X"):
        deployment.merged_environment()


def test_the_shared_environment_leaves_out_what_functions_set_differently():
    template = """
Resources:
  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: a/, Handler: a.h, Environment: {Variables: {X: 1, T: t}}}}
  B: {Type: AWS::Serverless::Function, Properties: {CodeUri: b/, Handler: a.h, Environment: {Variables: {X: 2, T: t}}}}
"""
    resolver = Resolver(parse_template(template), CONTEXT)
    from devstack.infra import _describe

    deployment = _describe(TEMPLATE, resolver.template, resolver)

    assert deployment.shared_environment() == {"T": "t"}


# -- deploying into moto -----------------------------------------------------------------------------------------


@pytest.fixture
def deployed() -> Iterator[Deployment]:
    with mocked_stack(TEMPLATE) as deployment:
        yield deployment


def test_every_table_is_created_with_the_templates_keys_and_settings(deployed):
    dynamodb = boto3.client("dynamodb")
    template = load_template(TEMPLATE)

    for logical_id, name in deployed.table_names.items():
        declared = template["Resources"][logical_id]["Properties"]
        table = dynamodb.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == declared["KeySchema"], logical_id
        assert sorted(table["AttributeDefinitions"], key=str) == sorted(declared["AttributeDefinitions"], key=str)
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["SSEDescription"]["Status"] == "ENABLED"
        backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert len(deployed.table_names) == 13


def test_the_idempotency_ttl_and_the_token_secret_exist(deployed):
    dynamodb = boto3.client("dynamodb")

    ttl = dynamodb.describe_time_to_live(TableName=deployed.table_names["IdempotencyTable"])
    secret = boto3.client("secretsmanager").get_secret_value(
        SecretId=deployed.function_environment("AuthorizerFunction")["TOKEN_SECRETS_ID"]
    )
    assert len(json.loads(secret["SecretString"])["k1"]) == 48
    assert ttl["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiration"}


def test_the_bucket_notifies_the_queue_and_the_queue_dead_letters(deployed):
    s3 = boto3.client("s3")
    sqs = boto3.client("sqs")
    bucket = deployed.physical_name("ImportsBucket")

    (notification,) = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    attributes = sqs.get_queue_attributes(QueueUrl=deployed.queue_urls["ImportQueue"], AttributeNames=["All"])
    redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
    assert notification["QueueArn"].endswith(":tradeprice-test-ImportQueue")
    assert notification["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "imports/"}]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    assert redrive == {
        "deadLetterTargetArn": deployed.sqs_subscriptions[0].queue_arn.replace("ImportQueue", "ImportDeadLetterQueue"),
        "maxReceiveCount": 3,
    }
    assert attributes["Attributes"]["VisibilityTimeout"] == "5400"


def test_the_functions_environment_is_exported_while_the_stack_is_up(deployed):
    import os

    assert os.environ["PRICES_TABLE"] == deployed.table_names["PricesTable"]
    assert os.environ["IMPORTS_BUCKET"] == deployed.physical_name("ImportsBucket")


def test_a_dropped_file_reaches_the_import_function_as_aws_shapes_it(deployed):
    bucket = deployed.physical_name("ImportsBucket")
    version = boto3.client("s3").put_object(Bucket=bucket, Key="imports/prices/trade/a b+c.csv", Body=b"sku")
    boto3.client("s3").put_object(Bucket=bucket, Key="elsewhere/ignored.csv", Body=b"sku")
    events: list[dict[str, Any]] = []

    invocations = drain_queue(deployed, "FileImportFunction", events.append)

    bodies = [json.loads(record["body"]) for event in events for record in event["Records"]]
    s3_records = [record for body in bodies for record in body.get("Records", [])]
    assert invocations == 2  # S3's test event, then the file
    assert bodies[0]["Event"] == "s3:TestEvent"
    (record,) = s3_records
    assert record["s3"]["object"]["key"] == quote_plus("imports/prices/trade/a b+c.csv")
    assert record["s3"]["object"]["versionId"] == version["VersionId"]
    assert record["s3"]["object"]["sequencer"]
    assert {"userIdentity", "requestParameters", "responseElements"} <= set(record)
    assert events[1]["Records"][0]["eventSourceARN"] == deployed.sqs_subscriptions[0].queue_arn
    assert events[1]["Records"][0]["attributes"]["ApproximateReceiveCount"] == "1"


def test_the_moto_server_notifies_only_once_the_object_and_its_metadata_are_stored(monkeypatch):
    """moto notifies from inside put_object, before the request stores the metadata: a consumer reading the
    object at once (the import function) would miss the `job-id` of a presigned upload and make a new job."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from moto.s3 import notifications
    from werkzeug.test import Client

    from devstack.moto_server import NotifyAfterEachRequest

    job_ids_when_notified: list[str | None] = []

    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any, *args: Any, **kwargs: Any) -> None:
        if event_name is notifications.S3NotificationEvent.OBJECT_CREATED_PUT_EVENT:
            job_ids_when_notified.append(key.metadata.get("x-amz-meta-job-id"))

    monkeypatch.setattr(notifications, "send_event", send_event)
    with patched_environment(TEST_ENVIRONMENT), mock_aws():
        client = Client(NotifyAfterEachRequest(DomainDispatcherApplication(create_backend_app)))
        host = {"Host": "s3.eu-west-2.amazonaws.com"}
        location = (
            '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            "<LocationConstraint>eu-west-2</LocationConstraint></CreateBucketConfiguration>"
        )
        assert client.put("/uploads", data=location, headers=host).status_code == 200
        stored = client.put("/uploads/imports/prices/a.csv", data=b"sku", headers={**host, "x-amz-meta-job-id": "j1"})

    assert stored.status_code == 200
    assert job_ids_when_notified == ["j1"]


def test_reported_failures_stay_on_the_queue(deployed):
    def fail_everything(event: dict[str, Any]) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": record["messageId"]} for record in event["Records"]]}

    invocations = drain_queue(deployed, "FileImportFunction", fail_everything)

    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=deployed.queue_urls["ImportQueue"], AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )
    assert invocations == 1  # S3's test event, failed: invisible until the visibility timeout, then retried
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_api_events_are_built_from_the_templates_routes(deployed):
    event = api_event(deployed, "put", "/v1/price-lists/trade/prices", body='{"prices": []}', query={"dry": "1"})

    assert event["resource"] == "/v1/price-lists/{slug}/prices"
    assert event["pathParameters"] == {"slug": "trade"}
    assert event["queryStringParameters"] == {"dry": "1"}
    assert event["requestContext"]["stage"] == "dev"
    assert event["headers"]["Content-Type"] == "application/json"
    with pytest.raises(LookupError):
        api_event(deployed, "DELETE", "/v1/health")


def test_lambda_contexts_carry_the_functions_settings(deployed):
    context = lambda_context(deployed, "FileImportFunction")

    assert context.function_name == "tradeprice-test-file-import"
    assert context.memory_limit_in_mb == 1769
    assert 899_000 < context.get_remaining_time_in_millis() <= 900_000


def test_deploy_needs_a_region(monkeypatch):
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(TemplateError, match="region"):
        deploy(TEMPLATE, session=boto3.Session(region_name=None, aws_access_key_id="x", aws_secret_access_key="y"))


# -- SQS event source semantics ----------------------------------------------------------------------------------


def test_sqs_events_have_lambdas_record_shape():
    message: Any = {
        "MessageId": "m1",
        "ReceiptHandle": "r1",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1", "Unrelated": "x"},
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "prices"}},
    }

    (record,) = sqs_event([message], queue_arn="arn:aws:sqs:eu-west-2:1:q", region="eu-west-2")["Records"]

    assert record == {
        "messageId": "m1",
        "receiptHandle": "r1",
        "body": "{}",
        "attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1"},
        "messageAttributes": {
            "kind": {"stringValue": "prices", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
        },
        "md5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-2:1:q",
        "awsRegion": "eu-west-2",
    }


@pytest.mark.parametrize(
    ("result", "failed"),
    [
        (None, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": "zz"}]}, {"a", "b"}),  # unknown id: the whole batch fails
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"a", "b"}),
    ],
)
def test_batch_item_failures_are_read_as_lambda_reads_them(result, failed):
    assert failed_message_ids(result, ["a", "b"], report_batch_item_failures=True) == failed


def test_ssm_parameters_are_created_with_their_resolved_value(tmp_path):
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  Setting:\n"
        "    Type: AWS::SSM::Parameter\n"
        '    Properties: {Name: !Sub "/${AWS::StackName}/setting", Type: String, Value: !Ref AWS::Region}\n'
    )

    with mocked_stack(tmp_path / "template.yaml", stack_name="params-test") as deployment:
        parameter = boto3.client("ssm").get_parameter(Name="/params-test/setting")["Parameter"]

    assert deployment.physical_name("Setting") == "/params-test/setting"
    assert parameter["Value"] == "eu-west-2"
