"""Apps the bot is compared with, served by the same gunicorn command and settings (bench only)."""
