from enum import StrEnum


class Role(StrEnum):
    """What a person does in one organisation. A person may hold several."""

    TRAINEE = "trainee"
    ASSESSOR = "assessor"
    IQA = "iqa"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    EQA = "eqa"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.TRAINEE: "Trainee mentor",
    Role.ASSESSOR: "Assessor",
    Role.IQA: "Internal quality assurer",
    Role.COORDINATOR: "Coordinator",
    Role.ADMIN: "Administrator",
    Role.EQA: "External quality assurer",
}

STAFF_ROLES = frozenset({Role.ASSESSOR, Role.IQA, Role.COORDINATOR, Role.ADMIN})


class OrganisationKind(StrEnum):
    FRANCHISOR = "franchisor"
    PARTNER = "partner"
