"""compare: automatic, symbolic and finite-difference gradients side by side."""
