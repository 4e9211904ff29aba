"""Read template.yaml the way CloudFormation does: short tags, parameters, conditions, intrinsic functions.

The local stack, the test fixtures and the template tests all read the template through this module, so there
is one schema: what CloudFormation would create is what moto gets.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

__all__ = [
    "NO_VALUE",
    "Resolver",
    "StackContext",
    "TemplateError",
    "load_template",
    "merge_globals",
    "parse_template",
]


class TemplateError(Exception):
    """The template uses something this module cannot resolve, or resolves to something CloudFormation rejects."""


class _NoValue:
    """`AWS::NoValue`: the property it stands for is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()

# Short tags whose long form is not simply "Fn::<Name>".
_TAG_KEYS: Final = {"Ref": "Ref", "Condition": "Condition"}


class _CloudFormationLoader(yaml.SafeLoader):
    """A YAML loader that reads CloudFormation short tags into their long form and keeps dates as strings."""


# CloudFormation reads `AWSTemplateFormatVersion: 2010-09-09` as a string, not a date.
_CloudFormationLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


def _construct_short_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = _TAG_KEYS.get(tag_suffix, f"Fn::{tag_suffix}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            # `!GetAtt Resource.Attribute` splits at the first dot; attributes may contain dots themselves.
            resource, _, attribute = str(value).partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - yaml has no other node kinds
        raise TemplateError(f"unsupported node for !{tag_suffix}")
    return {key: value}


_CloudFormationLoader.add_multi_constructor("!", _construct_short_tag)


def parse_template(text: str) -> dict[str, Any]:
    """Parse template text (YAML or JSON) into its long form."""
    document = yaml.load(text, Loader=_CloudFormationLoader)  # noqa: S506  # nosec B506  # a SafeLoader subclass
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError("not a CloudFormation template: no Resources section")
    return document


def load_template(path: str | Path) -> dict[str, Any]:
    """Load a template file into its long form (`!Ref X` becomes `{"Ref": "X"}`)."""
    return parse_template(Path(path).read_text(encoding="utf-8"))


def merge_globals(global_properties: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """Merge SAM Globals into a resource's properties as SAM does.

    Maps merge key by key (the resource wins), lists concatenate (globals first), scalars are overridden.
    """
    merged: dict[str, Any] = copy.deepcopy(dict(global_properties))
    for key, value in properties.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[key] = merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = current + copy.deepcopy(value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _INTRINSIC_KEYS


_INTRINSIC_KEYS: Final = frozenset(
    {
        "Ref",
        "Condition",
        "Fn::Sub",
        "Fn::GetAtt",
        "Fn::Join",
        "Fn::If",
        "Fn::Select",
        "Fn::Split",
        "Fn::Equals",
        "Fn::Not",
        "Fn::And",
        "Fn::Or",
        "Fn::FindInMap",
        "Fn::Base64",
        "Fn::GetAZs",
        "Fn::ImportValue",
        "Fn::Cidr",
        "Fn::Transform",
        "Fn::ToJsonString",
        "Fn::Length",
    }
)

_SUB_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class StackContext:
    """Where a stack lives: what the AWS::* pseudo parameters resolve to."""

    stack_name: str
    region: str
    account_id: str
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"

    @property
    def stack_id(self) -> str:
        return (
            f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}"
            "/00000000-0000-0000-0000-000000000000"
        )


@dataclass
class Resolver:
    """Resolves intrinsic functions against one stack: its parameters, conditions and resources' physical names.

    `refs` overrides what `Ref` returns for a resource once it exists (a queue's real URL, for example); without
    an override, the value CloudFormation would return is derived from the physical name.
    """

    template: Mapping[str, Any]
    context: StackContext
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.parameters = self._resolve_parameters()
        self._conditions: dict[str, bool] = {}

    # -- parameters and conditions -------------------------------------------------------------------------

    def _resolve_parameters(self) -> dict[str, Any]:
        declared: Mapping[str, Any] = self.template.get("Parameters") or {}
        unknown = set(self.parameter_overrides) - set(declared)
        if unknown:
            raise TemplateError(f"unknown parameters: {sorted(unknown)}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in self.parameter_overrides:
                raw = str(self.parameter_overrides[name])
            elif "Default" in spec:
                raw = str(spec["Default"])
            else:
                raise TemplateError(f"parameter {name} has no default and no value")
            allowed = spec.get("AllowedValues")
            if allowed is not None and raw not in {str(value) for value in allowed}:
                raise TemplateError(f"parameter {name}={raw!r} is not one of {allowed}")
            if spec.get("Type") == "Number":
                try:
                    number = float(raw)
                except ValueError as error:
                    raise TemplateError(f"parameter {name}={raw!r} is not a number") from error
                if "MinValue" in spec and number < float(spec["MinValue"]):
                    raise TemplateError(f"parameter {name}={raw} is below {spec['MinValue']}")
                if "MaxValue" in spec and number > float(spec["MaxValue"]):
                    raise TemplateError(f"parameter {name}={raw} is above {spec['MaxValue']}")
            # Ref to a Number parameter is a string, as in CloudFormation; list types split on commas.
            values[name] = (
                raw.split(",") if str(spec.get("Type", "")).startswith(("CommaDelimitedList", "List<")) else raw
            )
        return values

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            declared: Mapping[str, Any] = self.template.get("Conditions") or {}
            if name not in declared:
                raise TemplateError(f"unknown condition {name}")
            result = self.resolve(declared[name])
            if not isinstance(result, bool):
                raise TemplateError(f"condition {name} does not evaluate to a boolean")
            self._conditions[name] = result
        return self._conditions[name]

    def resource_condition_holds(self, logical_id: str) -> bool:
        """Whether a resource is created (its `Condition`, if any, is true)."""
        condition = self.resource(logical_id).get("Condition")
        return True if condition is None else self.condition(str(condition))

    # -- resources -----------------------------------------------------------------------------------------

    def resource(self, logical_id: str) -> Mapping[str, Any]:
        resources: Mapping[str, Any] = self.template["Resources"]
        if logical_id not in resources:
            raise TemplateError(f"unknown resource {logical_id}")
        resource: Mapping[str, Any] = resources[logical_id]
        return resource

    def resource_type(self, logical_id: str) -> str:
        return str(self.resource(logical_id)["Type"])

    def physical_name(self, logical_id: str) -> str:
        """The name the resource gets: its explicit name property, else "<stack>-<LogicalId>"."""
        resource_type = self.resource_type(logical_id)
        properties: Mapping[str, Any] = self.resource(logical_id).get("Properties") or {}
        name_property = _NAME_PROPERTIES.get(resource_type)
        if name_property and name_property in properties:
            return str(self.resolve(properties[name_property]))
        if resource_type == "AWS::S3::Bucket":
            return f"{self.context.stack_name}-{logical_id}".lower()
        if resource_type in {"AWS::Serverless::Api", "AWS::ApiGateway::RestApi"}:
            # API Gateway ids are ten lower-case characters.
            return re.sub(r"[^a-z0-9]", "", logical_id.lower())[:10]
        return f"{self.context.stack_name}-{logical_id}"

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self._pseudo_parameter(name)
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        resource_type = self.resource_type(name)
        physical = self.physical_name(name)
        if resource_type == "AWS::SQS::Queue":
            return f"https://sqs.{self.context.region}.{self.context.url_suffix}/{self.context.account_id}/{physical}"
        if resource_type in {"AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy", "AWS::ApiGateway::Account"}:
            return f"{self.context.stack_name}-{name}"
        return physical

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource_type = self.resource_type(logical_id)
        name = self.physical_name(logical_id)
        ctx = self.context
        arn_prefix = f"arn:{ctx.partition}"
        match resource_type, attribute:
            case "AWS::DynamoDB::Table", "Arn":
                return f"{arn_prefix}:dynamodb:{ctx.region}:{ctx.account_id}:table/{name}"
            case "AWS::DynamoDB::Table", "StreamArn":
                # The real label is the stream's creation time; a stream poller asks the table for its latest ARN.
                return f"{arn_prefix}:dynamodb:{ctx.region}:{ctx.account_id}:table/{name}/stream/latest"
            case "AWS::Events::EventBus", "Arn":
                return f"{arn_prefix}:events:{ctx.region}:{ctx.account_id}:event-bus/{name}"
            case "AWS::Events::Rule", "Arn":
                return f"{arn_prefix}:events:{ctx.region}:{ctx.account_id}:rule/{name}"
            case "AWS::SQS::Queue", "Arn":
                return f"{arn_prefix}:sqs:{ctx.region}:{ctx.account_id}:{name}"
            case "AWS::SQS::Queue", "QueueName":
                return name
            case "AWS::SQS::Queue", "QueueUrl":
                return self.ref(logical_id)
            case "AWS::S3::Bucket", "Arn":
                return f"{arn_prefix}:s3:::{name}"
            case "AWS::S3::Bucket", "DomainName":
                return f"{name}.s3.{ctx.url_suffix}"
            case "AWS::S3::Bucket", "RegionalDomainName":
                return f"{name}.s3.{ctx.region}.{ctx.url_suffix}"
            case (("AWS::Serverless::Function" | "AWS::Lambda::Function"), "Arn"):
                return f"{arn_prefix}:lambda:{ctx.region}:{ctx.account_id}:function:{name}"
            case "AWS::Logs::LogGroup", "Arn":
                return f"{arn_prefix}:logs:{ctx.region}:{ctx.account_id}:log-group:{name}:*"
            case "AWS::IAM::Role", "Arn":
                return f"{arn_prefix}:iam::{ctx.account_id}:role/{name}"
            case (("AWS::Serverless::Api" | "AWS::ApiGateway::RestApi"), "RootResourceId"):
                return f"{name}root"
        raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} ({resource_type}) is not supported locally")

    def _pseudo_parameter(self, name: str) -> Any:
        ctx = self.context
        values: dict[str, Any] = {
            "AWS::StackName": ctx.stack_name,
            "AWS::StackId": ctx.stack_id,
            "AWS::Region": ctx.region,
            "AWS::AccountId": ctx.account_id,
            "AWS::Partition": ctx.partition,
            "AWS::URLSuffix": ctx.url_suffix,
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        if name not in values:
            raise TemplateError(f"unknown pseudo parameter {name}")
        return values[name]

    # -- intrinsic functions -------------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic function in `value`; `AWS::NoValue` removes the key or item it stands for."""
        if isinstance(value, dict):
            if len(value) == 1:
                (key, argument), *_ = value.items()
                if key in _INTRINSIC_KEYS:
                    return self._intrinsic(key, argument)
            resolved_map = {key: self.resolve(item) for key, item in value.items()}
            return {key: item for key, item in resolved_map.items() if item is not NO_VALUE}
        if isinstance(value, list):
            return [item for item in (self.resolve(element) for element in value) if item is not NO_VALUE]
        return value

    def _intrinsic(self, key: str, argument: Any) -> Any:
        if key == "Ref":
            return self.ref(str(argument))
        if key == "Condition":
            return self.condition(str(argument))
        if key == "Fn::Sub":
            return self._sub(argument)
        if key == "Fn::GetAtt":
            resource, attribute = argument if isinstance(argument, list) else str(argument).split(".", 1)
            return self.get_att(str(self.resolve(resource)), str(self.resolve(attribute)))
        if key == "Fn::Join":
            delimiter, items = argument
            return str(delimiter).join(str(item) for item in self._list(items))
        if key == "Fn::If":
            condition, if_true, if_false = argument
            return self.resolve(if_true if self.condition(str(condition)) else if_false)
        if key == "Fn::Select":
            index, items = argument
            return self._list(items)[int(self.resolve(index))]
        if key == "Fn::Split":
            delimiter, source = argument
            return str(self.resolve(source)).split(str(delimiter))
        if key == "Fn::Equals":
            left, right = (self.resolve(item) for item in argument)
            return str(left) == str(right)
        if key == "Fn::Not":
            (operand,) = argument
            return not self._boolean(operand)
        if key == "Fn::And":
            return all(self._boolean(operand) for operand in argument)
        if key == "Fn::Or":
            return any(self._boolean(operand) for operand in argument)
        if key == "Fn::FindInMap":
            map_name, top_key, second_key = (str(self.resolve(item)) for item in argument)
            try:
                return self.resolve(self.template["Mappings"][map_name][top_key][second_key])
            except KeyError as error:
                raise TemplateError(f"Fn::FindInMap {map_name}/{top_key}/{second_key} not found") from error
        if key == "Fn::GetAZs":
            return [f"{self.context.region}{zone}" for zone in "abc"]
        raise TemplateError(f"{key} is not supported locally")

    def _boolean(self, operand: Any) -> bool:
        result = self.resolve(operand)
        if not isinstance(result, bool):
            raise TemplateError(f"{operand!r} is not a condition")
        return result

    def _list(self, items: Any) -> list[Any]:
        resolved = self.resolve(items)
        if not isinstance(resolved, list):
            raise TemplateError(f"{items!r} does not resolve to a list")
        return resolved

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], {name: self.resolve(value) for name, value in argument[1].items()}
        else:
            text, variables = argument, {}

        def replace(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                # `${!Literal}` writes `${Literal}`.
                return "${" + expression[1:] + "}"
            if expression in variables:
                return str(variables[expression])
            if "." in expression and not expression.startswith("AWS::"):
                resource, attribute = expression.split(".", 1)
                return str(self.get_att(resource, attribute))
            return str(self.ref(expression))

        return _SUB_VARIABLE.sub(replace, str(text))


# The property that names each resource type, when the template sets it.
_NAME_PROPERTIES: Final = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Serverless::LayerVersion": "LayerName",
    "AWS::IAM::Role": "RoleName",
    "AWS::SSM::Parameter": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
}
