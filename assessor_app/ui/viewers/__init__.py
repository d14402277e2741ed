"""Artifact viewers for the workspace: video, PDF, image, text and table."""
