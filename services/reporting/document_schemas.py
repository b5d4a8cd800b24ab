"""Request and response shapes of the official documents (marshmallow): what a document presents,
a template uploaded, and each kind's templates and their versions; see docs/documents.md."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class DocumentIn(Schema):
    """What a kind of official document presents (services/reporting/documents/<kind>.py says
    the keys): the client assembles it from the APIs it reads."""

    data = fields.Dict(required=True)


class TemplateUploadIn(Schema):
    """A template sent as JSON; `multipart/form-data` with the part `file` is the other way."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=500))
    content_base64 = fields.String(required=True)


class TemplateVersionOut(Schema):
    version = fields.Integer()
    shipped = fields.Boolean(metadata={"description": "the template shipped with the system"})
    name = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String()


class DocumentTemplateOut(Schema):
    kind = fields.String()
    label = fields.String()
    articles = fields.String()
    version = fields.Integer(metadata={"description": "0: the shipped template, never changed"})
    shipped = fields.Boolean()
    current = fields.Nested(TemplateVersionOut, allow_none=True)
    versions = fields.List(fields.Nested(TemplateVersionOut))


class DocumentTemplateList(Schema):
    items = fields.List(fields.Nested(DocumentTemplateOut))
