"""The services: the work on a fabric's tree, index and git that every adapter calls (no adapter imported here)."""
