"""Who is told what: notifications, their e-mails and digests."""

# Parameters for each kind, as the domain gives them.
PARAMS = {
    "unit": "MEN-101",
    "title": "Reflective accounts",
    "organisation": "Partner A",
    "learners": 2,
    "starts_on": "2027-01-04",
    "ends_on": "2027-03-31",
    "held_on": "2026-12-01",
    "course": "Level 3 Certificate",
    "left": 1,
    "follow_up_on": "2026-12-01",
    "waiting": 3,
    "flags": 1,
    "quiet": 0,
    "by": "iqa",
}
