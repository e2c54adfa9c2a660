"""What belongs to no single capability: the home page, health check and set-up commands."""
