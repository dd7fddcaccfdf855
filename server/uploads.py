"""KYC document uploads: ``POST /kyc/documents?organisationId=…&kind=…&filename=…`` (and
``&ownerId=…`` for an owner's proof of identity, kind ``OWNER_ID``).

The body is the file itself (at most 5 MiB), sent with its ``Content-Type`` (PDF, PNG or JPEG;
the bytes are checked) and ``Authorization: Bearer <token>``. Answers ``201`` with the document,
or a JSON ``userErrors`` list (400, 413, 415), or ``errors`` with ``UNAUTHENTICATED`` (401) /
``FORBIDDEN`` (403). Documents are then listed in ``organisation.onboarding.kyc.documents``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from resolvers import mutation
from resolvers.context import AppState, Context, bearer_token
from resolvers.errors import ForbiddenError, UnauthenticatedError
from resolvers.services import kyc
from resolvers.services.errors import ErrorCode, UserError
from resolvers.services.ids import decode_typed_id, encode_id
from server.request_ids import request_id_of

UPLOAD_PATH = "/kyc/documents"
MAX_REQUEST_BYTES = kyc.MAX_DOCUMENT_BYTES + 64 * 1024


def _user_errors(errors: list[UserError], status: int) -> JSONResponse:
    return JSONResponse(
        {
            "userErrors": [
                {"code": e.code.value, "field": list(e.field), "message": e.message} for e in errors
            ]
        },
        status,
    )


async def upload_kyc_document(request: Request) -> Response:
    """Store one KYC document."""
    state: AppState = request.app.state.bc
    context = Context(
        app=state,
        request_id=request_id_of(request.scope),
        authorization=bearer_token(request.headers.get("authorization")),
    )
    try:
        viewer = await context.require_viewer()
    except UnauthenticatedError as exc:
        return JSONResponse(
            {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}, 401
        )
    organisation_id = decode_typed_id(
        request.query_params.get("organisationId", ""), "Organisation"
    )
    if organisation_id is None:
        return _user_errors(
            [UserError(ErrorCode.NOT_FOUND, ("organisationId",), "No such organisation.")], 404
        )
    owner_id = None
    raw_owner = request.query_params.get("ownerId")
    if raw_owner:
        owner_id = decode_typed_id(raw_owner, "KycOwner")
        if owner_id is None:
            return _user_errors(
                [UserError(ErrorCode.NOT_FOUND, ("ownerId",), "No such owner.")], 404
            )
    content = await request.body()
    if len(content) > kyc.MAX_DOCUMENT_BYTES:
        return _user_errors(
            [UserError(ErrorCode.FILE_TOO_LARGE, ("file",), "A document has at most 5 MiB.")], 413
        )
    storage = state.storage
    assert storage is not None
    try:
        outcome = await mutation.run(
            context,
            lambda uow: kyc.store_document(
                uow, viewer, storage, organisation_id=organisation_id,
                kind=request.query_params.get("kind", ""),
                filename=request.query_params.get("filename", "document"),
                declared_type=request.headers.get("content-type", ""), content=content,
                owner_id=owner_id,
            ),
        )  # fmt: skip
    except ForbiddenError as exc:
        return JSONResponse(
            {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}, 403
        )
    if outcome.value is None:
        unsupported = any(e.code == ErrorCode.UNSUPPORTED_FILE_TYPE for e in outcome.errors)
        not_found = any(e.code == ErrorCode.NOT_FOUND for e in outcome.errors)
        return _user_errors(outcome.errors, 415 if unsupported else 404 if not_found else 400)
    document = outcome.value
    return JSONResponse(
        {
            "document": {
                "id": encode_id("KycDocument", document.id),
                "kind": document.kind,
                "filename": document.filename,
                "contentType": document.content_type,
                "size": document.size,
                "sha256": document.sha256,
            }
        },
        201,
    )
