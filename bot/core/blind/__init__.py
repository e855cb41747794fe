"""Blind answers: the private form, answers kept hidden and published together at the reveal."""
