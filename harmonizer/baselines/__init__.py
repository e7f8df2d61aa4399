"""Reference implementations the engine is measured against (need scikit-learn; never on the MIDI path)."""
