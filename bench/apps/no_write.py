"""Our webhook code path with the inbox write replaced by a no-op (and no worker): what the
webhook costs without durability. Bench only; the store's result is faked as "all new"."""

from linebot_app import create_app
from linebot_app.delivery.inbox import StoreResult

app = create_app()
app.extensions["bot"].inbox.store = lambda events, now: StoreResult(new=len(events), duplicates=0)
