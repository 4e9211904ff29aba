"""DevStack end to end on a small SAM project: moto's server, the API over HTTP, S3 -> SQS -> function, the DLQ."""

import json
import os
import textwrap
import urllib.request
from collections.abc import Iterator
from urllib.parse import unquote_plus

import pytest

from devstack.stack import DevStack

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: test}
Globals:
  Function:
    Runtime: python3.12
    Environment:
      Variables:
        ITEMS_TABLE: !Ref ItemsTable
        FILES_BUCKET: !Sub "${AWS::StackName}-files-${AWS::AccountId}"
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
  ItemsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: stack_test_functions/items/
      Handler: app.handler
      Events:
        PutItem: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/v1/items/{id}", Method: put}}
  FilesFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: stack_test_functions/files/
      Handler: app.handler
      Events:
        Dropped:
          Type: SQS
          Properties:
            Queue: !GetAtt FilesQueue.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
  ItemsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  FilesBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-files-${AWS::AccountId}"
      VersioningConfiguration: {Status: Enabled}
      NotificationConfiguration:
        QueueConfigurations:
          - Event: s3:ObjectCreated:*
            Queue: !GetAtt FilesQueue.Arn
            Filter: {S3Key: {Rules: [{Name: prefix, Value: incoming/}]}}
  FilesQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 600
      RedrivePolicy: {deadLetterTargetArn: !GetAtt FilesDeadLetterQueue.Arn, maxReceiveCount: 2}
  FilesDeadLetterQueue:
    Type: AWS::SQS::Queue
  ItemsSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: !Sub "${AWS::StackName}/items"
      GenerateSecretString: {SecretStringTemplate: "{}", GenerateStringKey: token, ExcludePunctuation: true}
"""

ITEMS = """
import json
import os

import boto3

def handler(event, context):
    item_id = event["pathParameters"]["id"]
    boto3.client("dynamodb").put_item(
        TableName=os.environ["ITEMS_TABLE"],
        Item={"id": {"S": item_id}, "body": {"S": event["body"]}, "greeting": {"S": os.environ.get("GREETING", "")}},
    )
    return {"statusCode": 200, "body": json.dumps({"id": item_id})}
"""

FILES = """
import json
from pathlib import Path

# The function runs in a process of its own: what it received goes to a file the test reads.
RECEIVED = Path(__file__).with_name("received.jsonl")

def handler(event, context):
    failures = []
    with RECEIVED.open("a") as log:
        for record in event["Records"]:
            body = json.loads(record["body"])
            for s3_record in body.get("Records", []):
                log.write(json.dumps({"record": record, "s3": s3_record}) + "\\n")
                if "poison" in s3_record["s3"]["object"]["key"]:
                    failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""


def environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    root = tmp_path_factory.mktemp("stack-project")
    (root / "template.yaml").write_text(TEMPLATE)
    for name, code in (("items", ITEMS), ("files", FILES)):
        directory = root / "stack_test_functions" / name
        directory.mkdir(parents=True)
        (directory / "app.py").write_text(textwrap.dedent(code))
    environment_before = environment()
    with DevStack(
        root / "template.yaml",
        stack_name="stack-test",
        api_port=0,
        moto_port=0,
        function_environment={"ItemsFunction": {"GREETING": "set-over-the-template"}},
        secret_values={"ItemsSecret": {"token": "seeded"}},
    ) as running:
        yield running
    assert environment() == environment_before


def test_the_functions_environment_and_moto_endpoint_are_exported(stack):
    assert os.environ["AWS_ENDPOINT_URL"] == stack.endpoint_url
    assert os.environ["ITEMS_TABLE"] == "stack-test-ItemsTable"
    assert os.environ["FILES_BUCKET"] == stack.deployment.physical_name("FilesBucket")


def test_an_api_request_runs_the_function_against_the_local_aws(stack):
    request = urllib.request.Request(f"{stack.api_url}/v1/items/a1", data=b"hello", method="PUT")

    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read()) == {"id": "a1"}
    item = stack.client("dynamodb").get_item(TableName="stack-test-ItemsTable", Key={"id": {"S": "a1"}})["Item"]
    assert item["body"] == {"S": "hello"}


def test_files_dropped_in_the_bucket_reach_the_function_and_poison_is_dead_lettered(stack):
    s3 = stack.client("s3")
    sqs = stack.client("sqs")
    bucket = stack.deployment.physical_name("FilesBucket")
    log = stack.template_path.parent / "stack_test_functions" / "files" / "received.jsonl"

    good = s3.put_object(Bucket=bucket, Key="incoming/a b+c.csv", Body=b"x")
    s3.put_object(Bucket=bucket, Key="incoming/poison.csv", Body=b"x")
    s3.put_object(Bucket=bucket, Key="elsewhere/ignored.csv", Body=b"x")
    stack.wait_until_idle(timeout=60)

    # Keys arrive URL-encoded (moto encodes '/' too): decode with unquote_plus before any use.
    received = [json.loads(line) for line in log.read_text().splitlines()]
    keys = [unquote_plus(entry["s3"]["s3"]["object"]["key"]) for entry in received]
    assert keys.count("incoming/a b+c.csv") == 1
    assert keys.count("incoming/poison.csv") == 2  # maxReceiveCount receives, then the dead-letter queue
    assert not any("ignored" in key for key in keys)
    first = received[keys.index("incoming/a b+c.csv")]
    assert first["s3"]["s3"]["object"]["versionId"] == good["VersionId"]
    assert first["record"]["eventSource"] == "aws:sqs"
    dead = sqs.receive_message(QueueUrl=stack.deployment.queue_urls["FilesDeadLetterQueue"])["Messages"]
    assert "poison" in dead[0]["Body"]
    remaining = sqs.get_queue_attributes(
        QueueUrl=stack.deployment.queue_urls["FilesQueue"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert remaining == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_the_stack_serves_the_templates_stage_only(stack):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{stack.api_url}/v1/unknown", timeout=10)

    assert refused.value.code == 403  # no GatewayResponses in this template: API Gateway's own answer
    assert json.loads(refused.value.read()) == {"message": "Missing Authentication Token"}


def test_a_function_runs_with_the_variables_set_over_the_templates_and_reads_the_seeded_secret(stack):
    request = urllib.request.Request(f"{stack.api_url}/v1/items/env", data=b"hi", method="PUT")
    with urllib.request.urlopen(request, timeout=10):
        pass

    item = stack.client("dynamodb").get_item(TableName="stack-test-ItemsTable", Key={"id": {"S": "env"}})["Item"]
    secret = stack.client("secretsmanager").get_secret_value(SecretId="stack-test/items")["SecretString"]
    assert item["greeting"] == {"S": "set-over-the-template"}
    assert stack.deployment.function_environment("ItemsFunction")["GREETING"] == "set-over-the-template"
    assert json.loads(secret) == {"token": "seeded"}


@pytest.mark.parametrize(
    "overrides",
    [{"function_environment": {"NoSuchFunction": {"A": "b"}}}, {"secret_values": {"NoSuchSecret": {"a": "b"}}}],
)
def test_overrides_naming_what_the_template_lacks_are_refused(stack, overrides):
    with pytest.raises(KeyError, match="the template does not have"):
        DevStack(stack.template_path, api_port=0, moto_port=0, **overrides).start()


def test_a_stack_that_cannot_start_cleans_up_after_itself(tmp_path):
    (tmp_path / "template.yaml").write_text("Resources:\n  Broken: {Type: AWS::DynamoDB::Table, Properties: {}}\n")
    environment_before = environment()

    with pytest.raises(KeyError):
        DevStack(tmp_path / "template.yaml", api_port=0, moto_port=0).start()

    assert environment() == environment_before
