"""Stackable pathways: a programme credential earned by passing a set of micro-credentials
("all of" them, or "N of" them), issued by the hub when the last required one passes."""
