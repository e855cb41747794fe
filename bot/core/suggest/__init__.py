"""Member suggestions: a form for a question, a review queue per channel, approval into its own pack."""
