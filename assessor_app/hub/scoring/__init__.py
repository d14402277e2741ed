"""Scoring operations on the hub: the scoring plan per credential, affiliations and
capacity, allocation of work to eligible assessors, second reads, adjudication and
declines (and, beside them, validity papers, backreading and the reliability report)."""
