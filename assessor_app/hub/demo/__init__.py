"""Demo data for the hub: realistic credentials, generated evidence and the seed command."""
