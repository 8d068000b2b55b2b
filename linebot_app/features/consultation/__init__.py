"""Consultation requests in chat (預約諮詢), staff actions from their group, 我的預約, hand-over
to a person (真人客服) with silence and resume, data deletion, reminders and the CLI.

`listeners.register(bot)` wires it into the dispatcher; `cli.register_cli(app)` adds commands.
This package's __init__ stays import-light: `model_registry` imports `consultation.models`.
"""
