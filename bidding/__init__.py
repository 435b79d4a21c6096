"""Bid optimization, guardrails, recommendations, coverage expansion and exports."""
