"""Nurture: lead nurturing inside Microsoft Teams."""
