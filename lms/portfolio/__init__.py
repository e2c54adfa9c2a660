"""The trainee's portfolio: evidence, its files, and what was submitted for assessment."""
