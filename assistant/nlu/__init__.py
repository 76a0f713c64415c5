"""The project's own Rasa NLU components (listed in config.yml)."""
