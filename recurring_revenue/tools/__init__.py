"""Small project tools run by the Makefile."""
