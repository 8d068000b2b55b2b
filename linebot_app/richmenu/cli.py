"""`flask --app linebot_app richmenu render|deploy|list|delete ID`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from linebot_app.content.yaml_config import ConfigError
from linebot_app.richmenu.config import RichMenuConfig, load_rich_menu
from linebot_app.richmenu.deploy import (
    DeployError,
    RichMenuClient,
    delete_menu,
    deploy_menu,
    list_menus,
    load_menu_image,
    menu_name,
)
from linebot_app.richmenu.image import inspect_image
from linebot_app.richmenu.render import (
    FontMissing,
    RenderError,
    find_fonts,
    render_menu,
    render_phone_preview,
)
from linebot_app.settings import Settings

DEFAULT_IMAGE_PATH = Path(__file__).resolve().parent.parent / "static" / "richmenu.png"
CONFIG_FILE = "rich_menu.yaml"

richmenu_cli = AppGroup("richmenu", help="Render and publish the clinic's LINE rich menu.")

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Menu definition (default: {CONFIG_FILE} in the config directory).",
)
image_option = click.option(
    "--image",
    "image_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_IMAGE_PATH,
    show_default=True,
    help="The rendered menu image.",
)


def register_cli(app: Flask) -> None:
    app.cli.add_command(richmenu_cli)


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _load_config(config_path: Path | None) -> RichMenuConfig:
    path = config_path or _settings().config_dir / CONFIG_FILE
    try:
        return load_rich_menu(path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@richmenu_cli.command("render")
@config_option
@image_option
@click.option(
    "--font-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder with NotoSansCJK-Bold.ttc and NotoSansCJK-Regular.ttc.",
)
@click.option(
    "--preview",
    "preview_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a phone-sized preview (menu under a chat), e.g. docs/richmenu.png.",
)
def render_command(
    config_path: Path | None, image_path: Path, font_dir: Path | None, preview_path: Path | None
) -> None:
    """Draw the menu image from the config (needs the Noto Sans CJK font)."""
    menu = _load_config(config_path)
    try:
        fonts = find_fonts(font_dir)
        data = render_menu(menu, fonts)
    except (FontMissing, RenderError) as exc:
        raise click.ClickException(str(exc)) from exc
    image, problems = inspect_image(data)
    if problems:
        raise click.ClickException("the rendered image breaks LINE's rules: " + "; ".join(problems))
    image_path.parent.mkdir(parents=True, exist_ok=True)
    image_path.write_bytes(data)
    click.echo(f"wrote {image_path} ({image.width}x{image.height} px, {len(data):,} bytes)")
    if preview_path:
        preview_path.parent.mkdir(parents=True, exist_ok=True)
        preview_path.write_bytes(render_phone_preview(menu, data, fonts))
        click.echo(f"wrote {preview_path}")


@richmenu_cli.command("deploy")
@config_option
@image_option
@click.option("--dry-run", is_flag=True, help="Check locally and print the menu; call no LINE API.")
def deploy_command(config_path: Path | None, image_path: Path, dry_run: bool) -> None:
    """Publish the menu as the default for all users, replacing the previous one."""
    menu = _load_config(config_path)
    try:
        image = load_menu_image(image_path, menu)
    except DeployError as exc:
        raise click.ClickException(str(exc)) from exc
    if dry_run:
        request = menu.line_request(menu_name(menu, image))
        click.echo(json.dumps(request, ensure_ascii=False, indent=2))
        return
    settings = _settings()
    click.echo(f"deploying to {settings.api_base_url} (image to {settings.data_api_base_url})")
    try:
        with RichMenuClient(settings) as client:
            result = deploy_menu(client, menu, image)
    except DeployError as exc:
        raise click.ClickException(str(exc)) from exc
    if not result.changed:
        click.echo(f"unchanged: {result.rich_menu_id} ({result.name}) is already the default")
        return
    replaced = f", replacing {result.replaced_id}" if result.replaced_id else ""
    click.echo(f"deployed {result.rich_menu_id} ({result.name}) as the default{replaced}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


@richmenu_cli.command("list")
def list_command() -> None:
    """Show the channel's rich menus; * marks the default."""
    try:
        with RichMenuClient(_settings()) as client:
            menus = list_menus(client)
    except DeployError as exc:
        raise click.ClickException(str(exc)) from exc
    if not menus:
        click.echo("no rich menus")
    for item in menus:
        mark = "*" if item.is_default else " "
        click.echo(
            f"{mark} {item.rich_menu_id}  {item.name}  "
            f"chat bar: {item.chat_bar_text}  areas: {item.areas}"
        )


@richmenu_cli.command("delete")
@click.argument("rich_menu_id")
@click.option("--force", is_flag=True, help="Allow deleting the current default menu.")
def delete_command(rich_menu_id: str, force: bool) -> None:
    """Delete one rich menu by ID (see `richmenu list`)."""
    try:
        with RichMenuClient(_settings()) as client:
            delete_menu(client, rich_menu_id, force=force)
    except DeployError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"deleted {rich_menu_id}")
