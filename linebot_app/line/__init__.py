"""LINE in one place: its documented limits (`limits`), builders for message objects and
actions (`render`), and the Messaging API client (`linebot_app.line.client`)."""
