"""The sandbox's pages: the chat (a patient's phone beside the staff group's) and the gallery."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from linebot_app.sandbox.gallery import build_gallery

sandbox_pages = Blueprint(
    "sandbox",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/sandbox/static",
)


@sandbox_pages.get("/")
def chat():
    bot = current_app.extensions["bot"]
    return render_template("sandbox/chat.html", clinic=bot.clinic)


@sandbox_pages.get("/gallery")
def gallery():
    settings = current_app.extensions["bot"].settings
    found = build_gallery(settings.replies_dir, settings.config_dir)
    return render_template("sandbox/gallery.html", gallery=found)
