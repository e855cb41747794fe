"""Self-check at reveal: the n-of-N buttons, the grade a mark earns, accuracy on the board."""
