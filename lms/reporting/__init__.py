"""Reports shared by capabilities: spreadsheet-safe exports and server-rendered charts."""
