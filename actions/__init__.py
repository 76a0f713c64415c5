"""Custom actions for the rasa-sdk action server (`python -m assistant.action_server`).

None of the safety replies or FAQ answers depend on these; they add extras (a note about a
named medicine, the sources of an answer, recording unhelpful answers). If the action server is
down, the person still gets every answer.
"""
