"""Franchise partners: licences, cohorts, enrolment, progress reports and the partners' API."""
