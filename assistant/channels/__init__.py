"""Channels (REST, web widget, Twilio SMS/WhatsApp, clinic callback) and their gateway."""
