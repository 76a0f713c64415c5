"""The ketamine clinic assistant's own Rasa components, channels and safety code."""
