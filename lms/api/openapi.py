"""The OpenAPI 3.1 description of /api/v1. Tests check that every API route is described with
its methods and that real responses validate against these schemas."""

from __future__ import annotations

from typing import Any

from lms.accreditation.award_status import STATUS_VALUES
from lms.assessment.unit_status import UnitStatus

# A trainee's status; `revoked` is an achieved enrolment whose award was revoked.
STATUSES = STATUS_VALUES
UNIT_STATUSES = [status.value for status in UnitStatus]
UNIT_STATUS_TEXT = (
    "Where the unit stands, as the trainee's portfolio and learner record say: "
    + "; ".join(f"`{status.value}`: {status.label.lower()}" for status in UnitStatus)
    + ". Only `achieved` units count towards the qualification."
)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
DATE = {"type": ["string", "null"], "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
INTEGER = {"type": "integer"}

SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "status": INTEGER,
                    "title": STRING,
                    "message": STRING,
                    "problems": {"type": "array", "items": _ref("Problem")},
                },
                required=["status", "title", "message"],
            )
        }
    ),
    "Problem": _object(
        {
            "item": {
                "type": ["integer", "null"],
                "description": "Position (from 1) of the trainee in the request, if it is "
                "about one trainee.",
            },
            "message": STRING,
        }
    ),
    "Links": _object(
        {
            "self": {"type": "string", "format": "uri"},
            "next": {
                "type": ["string", "null"],
                "format": "uri",
                "description": "The next page, or null on the last page.",
            },
        }
    ),
    "CourseRef": _object({"code": STRING, "title": STRING}),
    "CohortRef": {"oneOf": [_object({"id": INTEGER, "name": STRING}), {"type": "null"}]},
    "Progress": _object(
        {
            "lessons_completed": {"type": "integer", "minimum": 0},
            "lessons_total": {"type": "integer", "minimum": 0},
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        }
    ),
    "Accreditation": _object(
        {
            "status": {
                "enum": STATUSES,
                "description": "`revoked`: she achieved the qualification and the award was "
                "later revoked, so she no longer holds it.",
            },
            "achieved_at": {
                **NULLABLE_DATETIME,
                "description": "When she achieved the qualification; null unless `achieved`.",
            },
            "revoked_at": {
                **NULLABLE_DATETIME,
                "description": "When her award was revoked; null unless `revoked`.",
            },
        }
    ),
    "Cohort": _object(
        {
            "id": INTEGER,
            "name": STRING,
            "course": _ref("CourseRef"),
            "starts_on": DATE,
            "ends_on": DATE,
            "status": {"enum": ["open", "closed"]},
            "trainees": {
                "type": "integer",
                "description": "Trainees in the cohort who have not been withdrawn.",
            },
        }
    ),
    "CohortList": _object(
        {"data": {"type": "array", "items": _ref("Cohort")}, "links": _ref("Links")}
    ),
    "Trainee": _object(
        {
            "enrolment_id": INTEGER,
            "trainee": _object({"id": INTEGER, "name": STRING, "email": STRING}),
            "course": _ref("CourseRef"),
            "cohort": _ref("CohortRef"),
            "enrolled_at": DATETIME,
            "progress": _ref("Progress"),
            "accreditation": _ref("Accreditation"),
        }
    ),
    "TraineeList": _object(
        {"data": {"type": "array", "items": _ref("Trainee")}, "links": _ref("Links")}
    ),
    "EnrolledTrainees": _object(
        {
            "data": {
                "type": "array",
                "items": _ref("Trainee"),
                "description": "The organisation's own people, enrolled now.",
            },
            "invited": {
                "type": "array",
                "items": _ref("Invitation"),
                "description": "Everyone else: each is e-mailed an invitation and joins when "
                "she accepts it (she then appears under GET /trainees).",
            },
        }
    ),
    "Invitation": _object(
        {
            "item": {"type": "integer", "description": "Position (from 1) in the request."},
            "email": STRING,
            "cohort_id": INTEGER,
            "expires_on": {"type": "string", "format": "date"},
        }
    ),
    "TraineeRecord": _object(
        {
            "data": _object(
                {
                    "id": INTEGER,
                    "name": STRING,
                    "email": STRING,
                    "date_of_birth": DATE,
                    "enrolments": {
                        "type": "array",
                        "items": _object(
                            {
                                "enrolment_id": INTEGER,
                                "course": _ref("CourseRef"),
                                "cohort": _ref("CohortRef"),
                                "enrolled_at": DATETIME,
                                "withdrawn_at": NULLABLE_DATETIME,
                                "withdrawal_reason": NULLABLE_STRING,
                                "progress": _ref("Progress"),
                                "units": {
                                    "type": "array",
                                    "items": _object(
                                        {
                                            "code": STRING,
                                            "title": STRING,
                                            "credits": INTEGER,
                                            "progress": _ref("Progress"),
                                            "status": {
                                                "enum": UNIT_STATUSES,
                                                "description": UNIT_STATUS_TEXT,
                                            },
                                        }
                                    ),
                                },
                                "accreditation": _ref("Accreditation"),
                            }
                        ),
                    },
                }
            )
        }
    ),
    "EnrolRequest": _object(
        {
            "trainees": {
                "type": "array",
                "minItems": 1,
                "maxItems": 100,
                "items": _object(
                    {
                        "email": {"type": "string", "format": "email"},
                        "name": {
                            "type": "string",
                            "description": "Needed unless the person already holds a role in "
                            "your organisation: anyone else is e-mailed an invitation, and "
                            "joins when she accepts it.",
                        },
                        "cohort_id": INTEGER,
                        "date_of_birth": {"type": "string", "format": "date"},
                    },
                    required=["email", "cohort_id"],
                ),
            }
        }
    ),
}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


COMMON_ERRORS = {
    "401": _error("No token, or a token that is mistyped, expired or revoked."),
    "403": _error("The token's role may not do this (the API is for coordinators' tokens)."),
}
PAGING = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25},
        "description": "How many items per page.",
    },
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "Where the page starts: copy it from the previous page's `next` link.",
    },
]


def openapi_document(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Alongside partner API",
            "version": "1.0.0",
            "description": "Cohorts, trainees, their progress and accreditation status, and "
            "enrolment, for a partner organisation's own systems. Authenticate with a "
            "personal access token made on your account page: `Authorization: Bearer <token>`. "
            "A token acts for one organisation and one role. Lists are paginated with a "
            "`limit` and a `cursor`; follow `links.next` until it is null. Errors are JSON "
            "with a plain message.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/cohorts": {
                "get": {
                    "operationId": "listCohorts",
                    "summary": "The organisation's cohorts",
                    "parameters": PAGING,
                    "responses": {
                        "200": _ok("A page of cohorts.", "CohortList"),
                        **COMMON_ERRORS,
                        "422": _error("A bad `limit` or `cursor`."),
                    },
                }
            },
            "/trainees": {
                "get": {
                    "operationId": "listTrainees",
                    "summary": "Trainees, one item per enrolment, with progress and "
                    "accreditation status",
                    "parameters": [
                        *PAGING,
                        {
                            "name": "cohort_id",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer"},
                        },
                        {
                            "name": "status",
                            "in": "query",
                            "required": False,
                            "schema": {"enum": STATUSES},
                        },
                    ],
                    "responses": {
                        "200": _ok("A page of trainees.", "TraineeList"),
                        **COMMON_ERRORS,
                        "422": _error("A bad parameter."),
                    },
                },
                "post": {
                    "operationId": "enrolTrainees",
                    "summary": "Enrol trainees: all of them, or none",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("EnrolRequest")}},
                    },
                    "responses": {
                        "201": _ok("Everyone is enrolled or invited.", "EnrolledTrainees"),
                        **COMMON_ERRORS,
                        "409": _error(
                            "Nobody was enrolled: someone is already enrolled, a cohort is "
                            "closed, or the licence has no seats left or is not in force."
                        ),
                        "422": _error(
                            "Nobody was enrolled: the request is malformed or some items are "
                            "not right (`problems` lists each)."
                        ),
                    },
                },
            },
            "/trainees/{trainee_id}": {
                "get": {
                    "operationId": "getTrainee",
                    "summary": "A trainee's record with the organisation",
                    "parameters": [
                        {
                            "name": "trainee_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": _ok("The trainee's record.", "TraineeRecord"),
                        **COMMON_ERRORS,
                        "404": _error("No trainee with that id in the organisation."),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal access token (starts with `alg_`).",
                }
            },
            "schemas": SCHEMAS,
        },
    }
