"""Surveys and the impact report: evaluation that shows no figure from fewer than five people."""
