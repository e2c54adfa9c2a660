from enum import StrEnum

from lms.i18n import _l


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


class _Labels(dict):
    """Labels marked for translation, read in the reader's language when looked up."""

    def __getitem__(self, key) -> str:
        return str(super().__getitem__(key))


ROLE_LABELS = _Labels(
    {
        Role.TRAINEE: _l("Trainee mentor"),
        Role.ASSESSOR: _l("Assessor"),
        Role.IQA: _l("Internal quality assurer"),
        Role.COORDINATOR: _l("Coordinator"),
        Role.ADMIN: _l("Administrator"),
        Role.EQA: _l("External quality assurer"),
    }
)

STAFF_ROLES = frozenset({Role.ASSESSOR, Role.IQA, Role.COORDINATOR, Role.ADMIN})


class OrganisationKind(StrEnum):
    FRANCHISOR = "franchisor"
    PARTNER = "partner"
