"""What an API key's scopes allow, checked in one place before an operation runs.

Queries and subscriptions need ``read``; each mutation needs the scope of its domain
(:data:`MUTATION_SCOPES`). Mutations about a person's own account, joining or creating
organisations and managing API keys are for people only (:data:`PEOPLE_ONLY`). A mutation
named in neither is refused to keys (a test keeps every mutation named). What a key may do is
further bounded by its role in its one organisation, like any member's
(``resolvers.services.api_keys``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

_DOMAINS: dict[str, tuple[str, ...]] = {
    "documents": (
        "contactCreate", "contactUpdate", "contactArchive", "contactB2BIdFetch",
        "contactB2BIdLink", "contactB2BIdLinkBulk", "contactB2BIdSearchStart",
        "contactB2BIdUnlink", "documentCreate", "documentUpdate",
        "documentVoid", "documentPush", "documentPushBulk",
    ),
    "inbox": ("inboxAccept", "inboxApprove", "inboxReject"),
    "payments": (
        "paymentCreate", "paymentRecordOffline", "paymentReceivedRecord", "paymentRequestSend",
        "paymentReceivedConfirm", "paymentReceivedDeny", "reconciliationFetch",
        "reconciliationMatch", "reconciliationUnmatch",
    ),
    "financing": ("financingRequestCreate", "financingBidAccept", "financingRequestCancel"),
    "admin": (
        "organisationUpdate", "membershipUpdate", "membershipDelete", "invitationCreate",
        "invitationRevoke", "membershipNetworkAccessSet", "networkAccessRequestDecide",
        "organisationGstinAdd", "b2bIdCreate", "onboardingStart", "onboardingGstinOtpRequest",
        "onboardingGstinVerify", "onboardingMobileOtpRequest", "onboardingMobileVerify",
        "kycProfileUpdate", "kycOwnerAdd", "kycOwnerRemove", "kycDocumentUpload", "kycSubmit", "stuckMessageRetry", "stuckMessageDrop",
        "webhookEndpointCreate", "webhookEndpointUpdate", "webhookEndpointSecretRotate",
        "webhookEndpointDelete", "webhookEndpointTest", "webhookEndpointReplay",
        "webhookDeliveryRedeliver",
    ),
}  # fmt: skip
MUTATION_SCOPES = {field: scope for scope, fields in _DOMAINS.items() for field in fields}
PEOPLE_ONLY = frozenset(
    {
        "accountSignUp", "accountEmailCodeSend", "accountEmailVerify", "accessTokenCreate", "accessTokenRevoke",
        "organisationCreate", "invitationAccept", "invitationDecline",
        "networkAccessRequestCreate", "apiKeyCreate", "apiKeyRotate", "apiKeyRevoke",
    }
)  # fmt: skip


NO_READ_SCOPE = "This API key lacks the read scope."


def _root_fields(
    selections: SelectionSetNode, document: DocumentNode, seen: set[str] | None = None
) -> set[str]:
    """The root fields an operation selects, through fragments."""
    seen = set() if seen is None else seen
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    fields: set[str] = set()
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            fields.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            fields |= _root_fields(selection.selection_set, document, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                fields |= _root_fields(fragment.selection_set, document, seen)
    fields.discard("__typename")
    return fields


def refusal(
    operation: OperationDefinitionNode, document: DocumentNode, scopes: frozenset[str]
) -> str | None:
    """Why a key with ``scopes`` may not run ``operation`` (``None``: it may)."""
    if operation.operation != OperationType.MUTATION:
        return None if "read" in scopes else NO_READ_SCOPE
    for field in sorted(_root_fields(operation.selection_set, document)):
        if field in PEOPLE_ONLY or field not in MUTATION_SCOPES:
            return f"{field} is for people, not API keys."
        needed = MUTATION_SCOPES[field]
        if needed not in scopes:
            return f"{field} needs the {needed} scope, which this API key lacks."
    return None


class ApiKeyScopes(SchemaExtension):
    """Refuse (``FORBIDDEN``) an operation that an API key's scopes do not allow."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        viewer_of = getattr(context.context, "viewer", None)
        if document is not None and context.result is None and viewer_of is not None:
            authorization = getattr(context.context, "authorization", None)
            viewer = await viewer_of() if authorization else None
            scopes = None if viewer is None else viewer.scopes
            if scopes is not None:
                operation = get_operation_ast(document, context.operation_name)
                why = None if operation is None else refusal(operation, document, scopes)
                if why is not None:
                    error = GraphQLError(why, extensions={"code": "FORBIDDEN"})
                    context.result = ExecutionResult(data=None, errors=[error])
        yield
