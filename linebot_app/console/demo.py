"""The sandbox's demo accounts, so a newcomer can open the console at once. Only created when
the bot runs without LINE credentials (never with real ones); printed in the start-up log."""

from __future__ import annotations

import logging

from sqlalchemy import inspect

from linebot_app.console.accounts import create_account, find_account, set_password
from linebot_app.console.models import Role, StaffAccount

log = logging.getLogger(__name__)
DEMO_PASSWORD = "sandbox-demo-password"
DEMO_ACCOUNTS = (
    ("demo@sandbox.local", Role.PHYSICIAN, "示範人員"),
    ("admin@sandbox.local", Role.ADMIN, "示範管理員"),
)


def create_demo_accounts(bot) -> None:
    if not bot.settings.console_demo_account:
        raise RuntimeError("demo accounts only in the sandbox without LINE credentials")
    if not inspect(bot.db.engine).has_table(StaffAccount.__tablename__):
        log.info(
            "console: demo accounts not created yet (run `flask --app linebot_app db upgrade`)"
        )
        return
    now = bot.clock.now()
    with bot.db.session() as session:
        for email, role, name in DEMO_ACCOUNTS:
            account = find_account(session, email)
            if account is None:
                create_account(session, email, role, name, DEMO_PASSWORD, now)
            elif not account.is_active or account.role != role:
                account.is_active, account.role = True, role
                set_password(account, DEMO_PASSWORD)
    base = f"http://127.0.0.1:{bot.settings.port}/console/"
    log.info(
        "console: staff console at %s (sandbox demo accounts: %s and %s, password %s)",
        base,
        DEMO_ACCOUNTS[0][0],
        DEMO_ACCOUNTS[1][0],
        DEMO_PASSWORD,
    )
