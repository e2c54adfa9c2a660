"""Imports every capability's model modules (listed in `lms.capabilities`) so that
`Base.metadata` knows the whole schema. Alembic's env.py and the test suite import this."""

from lms.capabilities import import_models

import_models()
