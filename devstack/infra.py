"""Create the template's tables, buckets and queues in whatever AWS boto3 points at, and describe the rest.

`deploy()` is the one place a local or test stack gets its resources: moto in-process (`mock_aws()`) in tests,
moto's server (AWS_ENDPOINT_URL) for the local stack. Everything is derived from template.yaml, so the
schema cannot drift from what CloudFormation deploys.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple, cast

import boto3

from devstack.template import Resolver, StackContext, TemplateError, load_template, merge_globals

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

__all__ = [
    "ApiRoute",
    "ApiSpec",
    "AuthorizerSpec",
    "CorsSpec",
    "Deployment",
    "FunctionSpec",
    "GatewayResponseSpec",
    "SqsSubscription",
    "StreamSubscription",
    "deploy",
    "plan",
]

logger = logging.getLogger(__name__)

DEFAULT_STACK_NAME: Final = "tradeprice-local"

_FUNCTION_TYPES: Final = frozenset({"AWS::Serverless::Function"})
_API_TYPES: Final = frozenset({"AWS::Serverless::Api"})
# SAM creates this API for Api events that name no RestApiId; its stage is "Prod".
_IMPLICIT_API: Final = "ServerlessRestApi"
# Resource types that exist locally without being created in moto: functions run in worker processes, the API is
# served by devstack.api_gateway, and the rest (IAM, logging, layers, resource policies) has no local effect.
_NOT_CREATED_LOCALLY: Final = frozenset(
    {
        "AWS::Serverless::Function",
        "AWS::Serverless::Api",
        "AWS::Serverless::LayerVersion",
        "AWS::Logs::LogGroup",
        "AWS::IAM::Role",
        "AWS::ApiGateway::Account",
        "AWS::S3::BucketPolicy",
        "AWS::SQS::QueuePolicy",
        # Alarms and where they go: nothing watches the local stack.
        "AWS::KMS::Key",
        "AWS::SNS::Topic",
        "AWS::SNS::Subscription",
        "AWS::CloudWatch::Alarm",
    }
)


@dataclass(frozen=True)
class FunctionSpec:
    """A function as the local stack runs it: which module and attribute, with what settings and environment."""

    logical_id: str
    name: str
    arn: str
    module: str
    """Import path of the handler module, e.g. "functions.ingest_api.app" (from CodeUri + Handler)."""
    attribute: str
    """Name of the handler callable in that module, e.g. "lambda_handler"."""
    timeout_seconds: int
    memory_mb: int
    environment: Mapping[str, str]


class ApiRoute(NamedTuple):
    """One Api event: an HTTP method (upper case, or ANY) on a path template, served by a function."""

    method: str
    path: str
    function: str


@dataclass(frozen=True)
class AuthorizerSpec:
    """A Lambda authorizer declared in an Api's `Auth.Authorizers`."""

    name: str
    function: str
    payload_type: Literal["TOKEN", "REQUEST"]
    header: str
    """TOKEN: the header holding the token."""
    validation_expression: str | None
    headers: tuple[str, ...]
    """REQUEST: headers that must be present (the identity sources)."""
    query_strings: tuple[str, ...]
    """REQUEST: query string parameters that must be present."""


@dataclass(frozen=True)
class CorsSpec:
    """An Api's `Cors` setting: what the OPTIONS preflight SAM generates answers (quotes removed)."""

    allow_origin: str
    allow_methods: str | None = None
    allow_headers: str | None = None
    max_age: str | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class GatewayResponseSpec:
    """An Api's customised gateway response (errors API Gateway itself produces)."""

    status_code: int | None
    headers: Mapping[str, str]
    templates: Mapping[str, str]


@dataclass(frozen=True)
class ApiSpec:
    """One REST API: its stage, routes, CORS, authorizers and gateway responses."""

    logical_id: str
    api_id: str
    stage: str
    routes: tuple[ApiRoute, ...]
    route_authorizers: Mapping[ApiRoute, str | None]
    """The authorizer guarding each route (the event's `Auth.Authorizer`, else the API's default), or None."""
    authorizers: Mapping[str, AuthorizerSpec]
    cors: CorsSpec | None
    cors_preflight_authorizer: str | None
    """The authorizer SAM also puts on generated OPTIONS methods (AddDefaultAuthorizerToCorsPreflight)."""
    gateway_responses: Mapping[str, GatewayResponseSpec]
    binary_media_types: tuple[str, ...]
    minimum_compression_size: int | None = None
    """Answers of at least this many bytes are gzipped for a client that accepts gzip; None: never."""


@dataclass(frozen=True)
class SqsSubscription:
    """An SQS event source: a queue polled for a function."""

    function: str
    queue: str
    queue_url: str
    queue_arn: str
    batch_size: int
    report_batch_item_failures: bool


@dataclass(frozen=True)
class StreamSubscription:
    """A DynamoDB stream event source: a table's stream read for a function."""

    function: str
    table: str
    """The table's physical name (its stream ARN is read from the table: moto labels it at creation)."""
    batch_size: int
    report_batch_item_failures: bool
    maximum_retry_attempts: int = -1
    """Retries of a failing batch before it is given up (-1: until the records expire, Lambda's default)."""
    on_failure_queue_url: str | None = None
    """The SQS queue told about a batch given up on (DestinationConfig.OnFailure), or None."""


@dataclass(frozen=True)
class Deployment:
    """What a deployed (or planned) stack looks like: physical names, queue URLs, functions, routes, sources."""

    template_path: Path
    context: StackContext
    parameters: Mapping[str, str]
    physical_names: Mapping[str, str]
    """Physical name (table, bucket, queue, function name; API id) by logical id."""
    resource_types: Mapping[str, str]
    queue_urls: Mapping[str, str]
    functions: Mapping[str, FunctionSpec]
    apis: tuple[ApiSpec, ...]
    sqs_subscriptions: tuple[SqsSubscription, ...]
    stream_subscriptions: tuple[StreamSubscription, ...]
    python_paths: tuple[Path, ...]
    """What a local runtime puts on sys.path: the project root and each layer's content (Lambda's /opt/python)."""

    @property
    def stack_name(self) -> str:
        return self.context.stack_name

    @property
    def api_routes(self) -> list[ApiRoute]:
        return [route for api in self.apis for route in api.routes]

    def physical_name(self, logical_id: str) -> str:
        try:
            return self.physical_names[logical_id]
        except KeyError:
            raise KeyError(f"no resource {logical_id!r} in {self.template_path}") from None

    def names_of_type(self, resource_type: str) -> dict[str, str]:
        """Physical names of every resource of one type, by logical id."""
        return {
            logical_id: self.physical_names[logical_id]
            for logical_id, kind in self.resource_types.items()
            if kind == resource_type and logical_id in self.physical_names
        }

    @property
    def table_names(self) -> dict[str, str]:
        return self.names_of_type("AWS::DynamoDB::Table")

    @property
    def bucket_names(self) -> dict[str, str]:
        return self.names_of_type("AWS::S3::Bucket")

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """The function's environment variables (Globals merged with its own), resolved."""
        try:
            return dict(self.functions[logical_id].environment)
        except KeyError:
            raise KeyError(f"no function {logical_id!r} in {self.template_path}") from None

    def shared_environment(self) -> dict[str, str]:
        """The variables every function that sets them sets to one value (table and bucket names, settings).

        What a process that is none of the functions (the seed, a test reading the tables) can go by; a variable
        the functions set differently (each its own service name) is left out.
        """
        merged: dict[str, str] = {}
        conflicting: set[str] = set()
        for spec in self.functions.values():
            for name, value in spec.environment.items():
                if merged.setdefault(name, value) != value:
                    conflicting.add(name)
        return {name: value for name, value in merged.items() if name not in conflicting}

    def merged_environment(self) -> dict[str, str]:
        """The union of every function's environment; raises if two functions set one variable differently."""
        merged: dict[str, str] = {}
        owners: dict[str, str] = {}
        for spec in self.functions.values():
            for name, value in spec.environment.items():
                if name in merged and merged[name] != value:
                    raise TemplateError(
                        f"{name} is {merged[name]!r} in {owners[name]} but {value!r} in {spec.logical_id}; "
                        "functions sharing one process need one value"
                    )
                merged[name] = value
                owners.setdefault(name, spec.logical_id)
        return merged


def plan(
    template_path: str | Path,
    *,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str,
    account_id: str,
    parameters: Mapping[str, str] | None = None,
    refs: Mapping[str, str] | None = None,
) -> Deployment:
    """Describe the stack the template makes, without creating anything."""
    path = Path(template_path).resolve()
    template = load_template(path)
    resolver = Resolver(
        template,
        StackContext(stack_name=stack_name, region=region, account_id=account_id),
        dict(parameters or {}),
        dict(refs or {}),
    )
    return _describe(path, template, resolver)


def deploy(
    template_path: str | Path,
    *,
    stack_name: str = DEFAULT_STACK_NAME,
    parameters: Mapping[str, str] | None = None,
    session: boto3.Session | None = None,
) -> Deployment:
    """Create every table, bucket and queue of the template where boto3 points, and describe the stack.

    Tables get their key schema, attribute definitions, indexes, billing mode, stream, SSE, TTL and point-in-time
    recovery; queues their attributes and redrive policy; buckets their versioning, encryption, public access
    block, ownership controls and queue notifications. Call it inside `mock_aws()` for tests, or with
    AWS_ENDPOINT_URL set for moto's server.
    """
    session = session or boto3.Session()
    region = session.region_name
    if not region:
        raise TemplateError("no AWS region configured (set AWS_DEFAULT_REGION)")
    # The STS client is untyped here (no stubs installed for it); only the account id is read.
    sts: Any = session.client("sts")
    account_id = str(sts.get_caller_identity()["Account"])
    path = Path(template_path).resolve()
    template = load_template(path)
    resolver = Resolver(
        template, StackContext(stack_name=stack_name, region=region, account_id=account_id), dict(parameters or {})
    )
    resources = {
        logical_id: str(resource["Type"])
        for logical_id, resource in template["Resources"].items()
        if resolver.resource_condition_holds(logical_id)
    }
    for logical_id, resource_type in resources.items():
        if resource_type not in _NOT_CREATED_LOCALLY | _CREATED_LOCALLY:
            logger.warning("%s (%s) is not created locally", logical_id, resource_type)

    sqs: SQSClient = session.client("sqs")
    queues = [logical_id for logical_id, kind in resources.items() if kind == "AWS::SQS::Queue"]
    for logical_id in queues:
        resolver.refs[logical_id] = _create_queue(sqs, resolver, logical_id)
    # Redrive policies name other queues by ARN, so they are set once every queue exists.
    for logical_id in queues:
        _set_redrive_policies(sqs, resolver, logical_id)

    dynamodb: DynamoDBClient = session.client("dynamodb")
    for logical_id in (logical_id for logical_id, kind in resources.items() if kind == "AWS::DynamoDB::Table"):
        _create_table(dynamodb, resolver, logical_id)

    s3: S3Client = session.client("s3")
    for logical_id in (logical_id for logical_id, kind in resources.items() if kind == "AWS::S3::Bucket"):
        _create_bucket(s3, resolver, logical_id)

    ssm: Any = session.client("ssm")  # untyped: only put_parameter is used
    for logical_id in (logical_id for logical_id, kind in resources.items() if kind == "AWS::SSM::Parameter"):
        properties = _properties(resolver, logical_id)
        ssm.put_parameter(
            Name=resolver.physical_name(logical_id),
            Value=str(properties["Value"]),
            Type=properties.get("Type", "String"),
            **({"Description": properties["Description"]} if "Description" in properties else {}),
        )

    secretsmanager: Any = session.client("secretsmanager")  # untyped: only create_secret is used
    for logical_id in (logical_id for logical_id, kind in resources.items() if kind == "AWS::SecretsManager::Secret"):
        properties = _properties(resolver, logical_id)
        value = properties.get("SecretString") or _generated_secret(properties.get("GenerateSecretString", {}))
        created = secretsmanager.create_secret(Name=str(properties["Name"]), SecretString=str(value))
        resolver.refs[logical_id] = str(created["ARN"])  # Ref of a secret is its ARN

    events: Any = session.client("events")  # untyped: no stubs installed for EventBridge
    for logical_id in (logical_id for logical_id, kind in resources.items() if kind == "AWS::Events::EventBus"):
        events.create_event_bus(Name=resolver.physical_name(logical_id))
    for logical_id in (logical_id for logical_id, kind in resources.items() if kind == "AWS::Events::Rule"):
        _create_rule(events, resolver, logical_id)
    _create_user_pools(session.client("cognito-idp"), resolver, resources)

    return _describe(path, template, resolver)


def _create_rule(events: Any, resolver: Resolver, logical_id: str) -> None:
    """A rule on its bus with its targets (an SQS target receives matching events, as on AWS)."""
    properties = _properties(resolver, logical_id)
    name = resolver.physical_name(logical_id)
    bus = str(properties.get("EventBusName", "default"))
    events.put_rule(
        Name=name,
        EventBusName=bus,
        EventPattern=json.dumps(properties["EventPattern"]),
        State=str(properties.get("State", "ENABLED")),
    )
    events.put_targets(Rule=name, EventBusName=bus, Targets=list(properties.get("Targets") or []))


def _create_user_pools(cognito: Any, resolver: Resolver, resources: Mapping[str, str]) -> None:
    """Cognito user pools with their groups and app clients (the console's staff sign-in): what the local stack
    and the authorizer need of them. `Ref` of a pool is its id, of a client its client id."""
    for logical_id in (logical_id for logical_id, kind in resources.items() if kind == "AWS::Cognito::UserPool"):
        properties = _properties(resolver, logical_id)
        pool = cognito.create_user_pool(
            PoolName=str(properties.get("UserPoolName", logical_id)),
            **{
                name: properties[name]
                for name in ("UsernameAttributes", "AutoVerifiedAttributes")
                if name in properties
            },
        )
        resolver.refs[logical_id] = str(pool["UserPool"]["Id"])
    for logical_id, kind in resources.items():
        if kind == "AWS::Cognito::UserPoolGroup":
            properties = _properties(resolver, logical_id)
            cognito.create_group(UserPoolId=str(properties["UserPoolId"]), GroupName=str(properties["GroupName"]))
        elif kind == "AWS::Cognito::UserPoolClient":
            properties = _properties(resolver, logical_id)
            client = cognito.create_user_pool_client(
                UserPoolId=str(properties["UserPoolId"]),
                ClientName=str(properties.get("ClientName", logical_id)),
                GenerateSecret=bool(properties.get("GenerateSecret", False)),
                ExplicitAuthFlows=list(properties.get("ExplicitAuthFlows", [])),
            )
            resolver.refs[logical_id] = str(client["UserPoolClient"]["ClientId"])


def _generated_secret(spec: Mapping[str, Any]) -> str:
    """What CloudFormation's GenerateSecretString makes: the template JSON with one random string added."""
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!#$%&()*+,-.:;<=>?[]^_{|}~"
    generated = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    if "GenerateStringKey" not in spec:
        return generated
    document = json.loads(str(spec.get("SecretStringTemplate", "{}")))
    document[str(spec["GenerateStringKey"])] = generated
    return json.dumps(document)


_CREATED_LOCALLY: Final = frozenset(
    {
        "AWS::SQS::Queue",
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::SSM::Parameter",
        "AWS::SecretsManager::Secret",
        "AWS::Events::EventBus",
        "AWS::Events::Rule",
        "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolGroup",
        "AWS::Cognito::UserPoolClient",
    }
)

# -- creation ----------------------------------------------------------------------------------------------------

_QUEUE_ATTRIBUTES: Final[tuple[QueueAttributeNameType, ...]] = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "SqsManagedSseEnabled",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
)


def _attribute_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _properties(resolver: Resolver, logical_id: str) -> dict[str, Any]:
    properties = resolver.resolve(resolver.resource(logical_id).get("Properties") or {})
    if not isinstance(properties, dict):  # pragma: no cover - a mapping always resolves to a mapping
        raise TemplateError(f"{logical_id} has malformed Properties")
    return properties


def _create_queue(sqs: SQSClient, resolver: Resolver, logical_id: str) -> str:
    properties = _properties(resolver, logical_id)
    name = resolver.physical_name(logical_id)
    if properties.get("FifoQueue") in {True, "true"} and not name.endswith(".fifo"):
        name += ".fifo"
    attributes: dict[QueueAttributeNameType, str] = {
        key: _attribute_string(properties[key]) for key in _QUEUE_ATTRIBUTES if key in properties
    }
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def _set_redrive_policies(sqs: SQSClient, resolver: Resolver, logical_id: str) -> None:
    properties = _properties(resolver, logical_id)
    redrive_attributes: tuple[QueueAttributeNameType, ...] = ("RedrivePolicy", "RedriveAllowPolicy")
    attributes: dict[QueueAttributeNameType, str] = {
        key: _attribute_string(properties[key]) for key in redrive_attributes if key in properties
    }
    if attributes:
        sqs.set_queue_attributes(QueueUrl=resolver.refs[logical_id], Attributes=attributes)


def _create_table(dynamodb: DynamoDBClient, resolver: Resolver, logical_id: str) -> None:
    properties = _properties(resolver, logical_id)
    name = resolver.physical_name(logical_id)
    billing_mode = properties.get("BillingMode", "PROVISIONED")
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": billing_mode,
    }
    if billing_mode == "PROVISIONED":
        request["ProvisionedThroughput"] = properties["ProvisionedThroughput"]
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if key in properties:
            request[key] = [
                {
                    field_name: index[field_name]
                    for field_name in index
                    if field_name != "ContributorInsightsSpecification"
                }
                for index in properties[key]
            ]
    if "StreamSpecification" in properties:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": properties["StreamSpecification"]["StreamViewType"],
        }
    if "SSESpecification" in properties:
        sse = properties["SSESpecification"]
        request["SSESpecification"] = {
            "Enabled": sse.get("SSEEnabled") in {True, "true"},
            **({"SSEType": sse["SSEType"]} if "SSEType" in sse else {}),
            **({"KMSMasterKeyId": sse["KMSMasterKeyId"]} if "KMSMasterKeyId" in sse else {}),
        }
    if "TableClass" in properties:
        request["TableClass"] = properties["TableClass"]
    if "DeletionProtectionEnabled" in properties:
        request["DeletionProtectionEnabled"] = properties["DeletionProtectionEnabled"] in {True, "true"}
    dynamodb.create_table(**request)

    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled") in {True, "true"}:
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]}
        )
    pitr = properties.get("PointInTimeRecoverySpecification")
    if pitr and pitr.get("PointInTimeRecoveryEnabled") in {True, "true"}:
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )


def _create_bucket(s3: S3Client, resolver: Resolver, logical_id: str) -> None:
    properties = _properties(resolver, logical_id)
    name = resolver.physical_name(logical_id)
    region = resolver.context.region
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration=cast(Any, {"LocationConstraint": region}))
    if "VersioningConfiguration" in properties:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": properties["VersioningConfiguration"]["Status"]}
        )
    encryption = properties.get("BucketEncryption")
    if encryption:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                        **({"BucketKeyEnabled": rule["BucketKeyEnabled"]} if "BucketKeyEnabled" in rule else {}),
                    }
                    for rule in encryption["ServerSideEncryptionConfiguration"]
                ]
            },
        )
    if "PublicAccessBlockConfiguration" in properties:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
        )
    if "OwnershipControls" in properties:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=properties["OwnershipControls"])
    notifications = properties.get("NotificationConfiguration")
    if notifications:
        unsupported = set(notifications) - {"QueueConfigurations"}
        if unsupported:
            raise TemplateError(f"{logical_id}: only queue notifications are supported locally, not {unsupported}")
        # The template's shape translated to the API's; typed loosely because it comes from the template.
        configuration: Any = {
            "QueueConfigurations": [
                {
                    "QueueArn": queue["Queue"],
                    "Events": [queue["Event"]],
                    **(
                        {
                            "Filter": {
                                "Key": {
                                    "FilterRules": [
                                        {"Name": rule["Name"], "Value": rule["Value"]}
                                        for rule in queue["Filter"]["S3Key"]["Rules"]
                                    ]
                                }
                            }
                        }
                        if "Filter" in queue
                        else {}
                    ),
                }
                for queue in notifications["QueueConfigurations"]
            ]
        }
        s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=configuration)


# -- description -------------------------------------------------------------------------------------------------


def _describe(path: Path, template: Mapping[str, Any], resolver: Resolver) -> Deployment:
    resources: Mapping[str, Any] = template["Resources"]
    created = [logical_id for logical_id in resources if resolver.resource_condition_holds(logical_id)]
    physical_names: dict[str, str] = {}
    for logical_id in created:
        try:
            physical_names[logical_id] = resolver.physical_name(logical_id)
        except TemplateError:  # pragma: no cover - every name property here resolves
            continue
    globals_section: Mapping[str, Any] = template.get("Globals") or {}
    global_function: Mapping[str, Any] = globals_section.get("Function") or {}
    global_api: Mapping[str, Any] = globals_section.get("Api") or {}
    root = path.parent

    functions: dict[str, FunctionSpec] = {}
    python_paths: list[Path] = [root]
    api_events: dict[str, list[tuple[ApiRoute, Mapping[str, Any]]]] = {}
    subscriptions: list[SqsSubscription] = []
    stream_subscriptions: list[StreamSubscription] = []
    for logical_id in created:
        if resources[logical_id]["Type"] not in _FUNCTION_TYPES:
            continue
        properties = merge_globals(global_function, resources[logical_id].get("Properties") or {})
        functions[logical_id] = _function_spec(resolver, root, logical_id, properties)
        for layer in properties.get("Layers") or []:
            layer_dir = _layer_dir(resolver, root, layer)
            if layer_dir is not None and layer_dir not in python_paths:
                python_paths.append(layer_dir)
        for event_name, event in (properties.get("Events") or {}).items():
            event_properties: Mapping[str, Any] = event.get("Properties") or {}
            if event["Type"] == "Api":
                api = _logical_target(event_properties.get("RestApiId"), default=_IMPLICIT_API)
                route = ApiRoute(
                    method=str(resolver.resolve(event_properties["Method"])).upper(),
                    path=str(resolver.resolve(event_properties["Path"])),
                    function=logical_id,
                )
                api_events.setdefault(api, []).append((route, event_properties.get("Auth") or {}))
            elif event["Type"] == "SQS":
                queue = _logical_target(event_properties["Queue"])
                subscriptions.append(
                    SqsSubscription(
                        function=logical_id,
                        queue=queue,
                        queue_url=str(resolver.ref(queue)),
                        queue_arn=str(resolver.get_att(queue, "Arn")),
                        batch_size=int(resolver.resolve(event_properties.get("BatchSize", 10))),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in (resolver.resolve(event_properties.get("FunctionResponseTypes")) or []),
                    )
                )
            elif event["Type"] == "DynamoDB":
                stream_arn = str(resolver.resolve(event_properties["Stream"]))
                stream_subscriptions.append(
                    StreamSubscription(
                        function=logical_id,
                        table=stream_arn.split(":table/", 1)[1].split("/", 1)[0],
                        batch_size=int(resolver.resolve(event_properties.get("BatchSize", 100))),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in (resolver.resolve(event_properties.get("FunctionResponseTypes")) or []),
                        maximum_retry_attempts=int(resolver.resolve(event_properties.get("MaximumRetryAttempts", -1))),
                        on_failure_queue_url=_on_failure_queue_url(resolver, event_properties),
                    )
                )
            else:
                logger.warning("%s.%s: %s events are not wired locally", logical_id, event_name, event["Type"])

    apis = tuple(
        _api_spec(resolver, logical_id, global_api, resources.get(logical_id), events)
        for logical_id, events in api_events.items()
    )
    _check_unique_routes(apis)
    queue_urls = {
        logical_id: str(resolver.ref(logical_id))
        for logical_id in created
        if resources[logical_id]["Type"] == "AWS::SQS::Queue"
    }
    return Deployment(
        template_path=path,
        context=resolver.context,
        parameters={name: _attribute_string(value) for name, value in resolver.parameters.items()},
        physical_names=physical_names,
        resource_types={logical_id: str(resources[logical_id]["Type"]) for logical_id in created},
        queue_urls=queue_urls,
        functions=functions,
        apis=apis,
        sqs_subscriptions=tuple(subscriptions),
        stream_subscriptions=tuple(stream_subscriptions),
        python_paths=tuple(python_paths),
    )


def _on_failure_queue_url(resolver: Resolver, event_properties: Mapping[str, Any]) -> str | None:
    on_failure = (event_properties.get("DestinationConfig") or {}).get("OnFailure") or {}
    if "Destination" not in on_failure:
        return None
    return str(resolver.ref(_logical_target(on_failure["Destination"])))


def _logical_target(value: Any, *, default: str | None = None) -> str:
    """The logical id a `!Ref X` or `!GetAtt X.Arn` points at."""
    if value is None and default is not None:
        return default
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else str(target).split(".", 1)[0])
    raise TemplateError(f"expected !Ref or !GetAtt to a resource of this template, got {value!r}")


def _function_spec(resolver: Resolver, root: Path, logical_id: str, properties: Mapping[str, Any]) -> FunctionSpec:
    code_uri = resolver.resolve(properties.get("CodeUri"))
    handler = str(resolver.resolve(properties.get("Handler", "")))
    if not isinstance(code_uri, str) or "://" in code_uri or "." not in handler:
        raise TemplateError(f"{logical_id}: needs a local CodeUri and a module.function Handler")
    code_dir = (root / code_uri).resolve()
    try:
        package_parts = code_dir.relative_to(root).parts
    except ValueError as error:
        raise TemplateError(f"{logical_id}: CodeUri {code_uri} is outside the template's directory") from error
    module, attribute = handler.rsplit(".", 1)
    environment = resolver.resolve((properties.get("Environment") or {}).get("Variables") or {})
    name = resolver.physical_name(logical_id)
    return FunctionSpec(
        logical_id=logical_id,
        name=name,
        arn=str(resolver.get_att(logical_id, "Arn")),
        module=".".join((*package_parts, *module.split("."))),
        attribute=attribute,
        timeout_seconds=int(resolver.resolve(properties.get("Timeout", 3))),
        memory_mb=int(resolver.resolve(properties.get("MemorySize", 128))),
        environment={str(key): _attribute_string(value) for key, value in environment.items()},
    )


def _layer_dir(resolver: Resolver, root: Path, layer: Any) -> Path | None:
    if not (isinstance(layer, dict) and "Ref" in layer):
        return None  # a layer ARN from elsewhere: nothing local to import
    resource = resolver.resource(str(layer["Ref"]))
    content_uri = (resource.get("Properties") or {}).get("ContentUri")
    if resource["Type"] != "AWS::Serverless::LayerVersion" or not isinstance(content_uri, str):
        return None
    return (root / content_uri).resolve()


def _strip_quotes(value: Any) -> str:
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


def _api_spec(
    resolver: Resolver,
    logical_id: str,
    global_api: Mapping[str, Any],
    resource: Mapping[str, Any] | None,
    events: list[tuple[ApiRoute, Mapping[str, Any]]],
) -> ApiSpec:
    if resource is None:
        # SAM's implicit API: Globals.Api apply, the stage is "Prod".
        properties: dict[str, Any] = {"StageName": "Prod", **merge_globals(global_api, {})}
    else:
        if resource["Type"] not in _API_TYPES:
            raise TemplateError(f"{logical_id} is not an AWS::Serverless::Api")
        properties = merge_globals(global_api, resource.get("Properties") or {})
    if "DefinitionBody" in properties or "DefinitionUri" in properties:
        raise TemplateError(f"{logical_id}: OpenAPI definitions are not served locally; declare routes as Api events")

    auth: Mapping[str, Any] = properties.get("Auth") or {}
    authorizers: dict[str, AuthorizerSpec] = {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        if "FunctionArn" not in spec:
            raise TemplateError(f"{logical_id}: authorizer {name} is not a Lambda authorizer")
        identity: Mapping[str, Any] = resolver.resolve(spec.get("Identity") or {})
        payload_type = str(spec.get("FunctionPayloadType", "TOKEN")).upper()
        if payload_type not in {"TOKEN", "REQUEST"}:
            raise TemplateError(f"{logical_id}: authorizer {name} has payload type {payload_type}")
        authorizers[name] = AuthorizerSpec(
            name=name,
            function=_logical_target(spec["FunctionArn"]),
            payload_type=cast(Literal["TOKEN", "REQUEST"], payload_type),
            header=str(identity.get("Header", "Authorization")),
            validation_expression=identity.get("ValidationExpression"),
            headers=tuple(identity.get("Headers") or ()),
            query_strings=tuple(identity.get("QueryStrings") or ()),
        )
    default_authorizer = auth.get("DefaultAuthorizer")
    if default_authorizer is not None and default_authorizer not in authorizers:
        raise TemplateError(f"{logical_id}: DefaultAuthorizer {default_authorizer} is not declared")

    route_authorizers: dict[ApiRoute, str | None] = {}
    for route, event_auth in events:
        chosen = event_auth.get("Authorizer", default_authorizer)
        if chosen == "NONE":
            chosen = None
        if chosen is not None and chosen not in authorizers:
            raise TemplateError(f"{route.function} {route.method} {route.path}: unknown authorizer {chosen}")
        route_authorizers[route] = chosen

    return ApiSpec(
        logical_id=logical_id,
        api_id=resolver.physical_name(logical_id) if resource is not None else "implicit00",
        stage=str(resolver.resolve(properties.get("StageName", "Prod"))),
        routes=tuple(route for route, _ in events),
        route_authorizers=route_authorizers,
        authorizers=authorizers,
        cors=_cors_spec(resolver.resolve(properties.get("Cors"))),
        cors_preflight_authorizer=default_authorizer if auth.get("AddDefaultAuthorizerToCorsPreflight", True) else None,
        gateway_responses={
            response_type: GatewayResponseSpec(
                status_code=int(spec["StatusCode"]) if "StatusCode" in spec else None,
                headers={
                    name: _strip_quotes(value)
                    for name, value in ((spec.get("ResponseParameters") or {}).get("Headers") or {}).items()
                },
                templates=dict(spec.get("ResponseTemplates") or {}),
            )
            for response_type, spec in (resolver.resolve(properties.get("GatewayResponses")) or {}).items()
        },
        binary_media_types=tuple(
            str(media_type).replace("~1", "/")
            for media_type in resolver.resolve(properties.get("BinaryMediaTypes") or [])
        ),
        minimum_compression_size=(
            None if (size := resolver.resolve(properties.get("MinimumCompressionSize"))) is None else int(size)
        ),
    )


def _cors_spec(cors: Any) -> CorsSpec | None:
    if cors is None:
        return None
    if isinstance(cors, str):
        return CorsSpec(allow_origin=_strip_quotes(cors))
    return CorsSpec(
        allow_origin=_strip_quotes(cors["AllowOrigin"]),
        allow_methods=_strip_quotes(cors["AllowMethods"]) if "AllowMethods" in cors else None,
        allow_headers=_strip_quotes(cors["AllowHeaders"]) if "AllowHeaders" in cors else None,
        max_age=_strip_quotes(cors["MaxAge"]) if "MaxAge" in cors else None,
        allow_credentials=cors.get("AllowCredentials") in {True, "true"},
    )


def _check_unique_routes(apis: tuple[ApiSpec, ...]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for api in apis:
        for route in api.routes:
            key = (route.method, route.path)
            if key in seen:
                raise TemplateError(f"{route.method} {route.path} is served by both {seen[key]} and {route.function}")
            seen[key] = route.function
