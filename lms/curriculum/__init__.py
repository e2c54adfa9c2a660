"""Curriculum: courses kept as files, loaded into the database, and worked through by trainees."""
