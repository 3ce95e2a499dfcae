"""The record's vocabulary, shapes and rules. Standard library only."""
