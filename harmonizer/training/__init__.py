"""Training and corpus tools (needs the [train] extra)."""
