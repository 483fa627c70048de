"""symbolic: the same graph, differentiated by SymPy (to come with its issue)."""
