"""`flask --app linebot_app understanding ...`: train the topic classifier, show its figures.

Loaded lazily (`cli.LazyGroup`): web workers never import scikit-learn.
"""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

understanding_cli = AppGroup("understanding", help="The understanding step (topic classifier).")


@understanding_cli.command("train")
def train_command() -> None:
    """Train the classifier from replies/ (keywords and examples) and write
    replies/_classifier.json; commit that file with the examples."""
    from linebot_app.understanding.classifier import (
        MODEL_FILE,
        train,
        training_samples,
        write_model,
    )

    bot = current_app.extensions["bot"]
    replies_dir = current_app.config["SETTINGS"].replies_dir
    samples = training_samples(bot.replies)
    started = time.perf_counter()
    model = train(samples)
    seconds = time.perf_counter() - started
    path = replies_dir / MODEL_FILE
    write_model(model, path)
    click.echo(
        f"trained on {len(samples)} samples ({len(model['classes'])} classes, "
        f"{len(model['grams'])} n-grams) in {seconds:.2f} s (scikit-learn import excluded); "
        f"wrote {path} (digest {model['digest']}): commit it"
    )
