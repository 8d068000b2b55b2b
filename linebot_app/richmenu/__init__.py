"""The clinic's LINE rich menu: defined in `config/rich_menu.yaml`, rendered to a committed PNG,
deployed with `flask --app linebot_app richmenu deploy` (see `cli.py`)."""

from linebot_app.richmenu.cli import register_cli
from linebot_app.richmenu.config import RichMenuConfig, load_rich_menu, parse_rich_menu
from linebot_app.richmenu.deploy import DeployError, RichMenuClient, deploy_menu

__all__ = [
    "DeployError",
    "RichMenuClient",
    "RichMenuConfig",
    "deploy_menu",
    "load_rich_menu",
    "parse_rich_menu",
    "register_cli",
]
