"""The Textual app: setup panels, live training view, confusion matrix and sample predictions."""
