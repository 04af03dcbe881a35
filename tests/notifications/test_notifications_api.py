"""``/api/v1/notifications``: each user's own list, unread filter, marking read."""

from __future__ import annotations

from marketplace import transaction
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.notifications.services import notify
from tests.factories import BuyerFactory, SupplierOwnerFactory

NOTIFICATIONS = "/api/v1/notifications"


def tell(user, count: int = 1, kind: str = "test.hello") -> list[int]:
    made = [
        notify([user], kind, f"Note {n}", "Body", link="/buyer", email=False)[0]
        for n in range(count)
    ]
    transaction.commit()
    return [n.id for n in made]


def test_users_see_only_their_own_newest_first(login_as):
    buyer, owner = BuyerFactory(), SupplierOwnerFactory()
    mine = tell(buyer, 3)
    tell(owner, 2)

    body = login_as(buyer).get(NOTIFICATIONS).json

    assert [item["id"] for item in body["items"]] == mine[::-1]
    assert body["unread_count"] == 3 and body["next_cursor"] is None
    item = body["items"][0]
    assert item["kind"] == "test.hello" and item["title"] == "Note 2" and item["body"] == "Body"
    assert item["link"] == "/buyer" and item["subject"] == {}
    assert item["read_at"] is None and item["is_read"] is False
    assert len(login_as(owner).get(NOTIFICATIONS).json["items"]) == 2


def test_marking_read_and_the_unread_filter(login_as):
    buyer = BuyerFactory()
    first, second, third = tell(buyer, 3)
    client = login_as(buyer)

    read = client.post(f"{NOTIFICATIONS}/{second}/read")
    assert read.status_code == 200
    assert read.json["is_read"] is True and read.json["read_at"]
    again = client.post(f"{NOTIFICATIONS}/{second}/read")
    assert again.json["read_at"] == read.json["read_at"]  # the first read time stays

    unread = client.get(NOTIFICATIONS, query_string={"unread": "true"}).json
    assert [i["id"] for i in unread["items"]] == [third, first]
    assert unread["unread_count"] == 2
    seen = client.get(NOTIFICATIONS, query_string={"unread": "false"}).json
    assert [i["id"] for i in seen["items"]] == [second]

    everything = client.post(f"{NOTIFICATIONS}/read-all")
    assert everything.status_code == 200
    assert everything.json == {"marked_read": 2, "unread_count": 0}
    assert client.get(NOTIFICATIONS).json["unread_count"] == 0
    assert client.post(f"{NOTIFICATIONS}/read-all").json["marked_read"] == 0


def test_someone_elses_notification_is_404_and_stays_unread(login_as):
    buyer, other = BuyerFactory(), BuyerFactory()
    (note,) = tell(buyer)
    client = login_as(other)

    assert client.post(f"{NOTIFICATIONS}/{note}/read").status_code == 404
    assert client.post(f"{NOTIFICATIONS}/99999999999/read").status_code == 404
    client.post(f"{NOTIFICATIONS}/read-all")
    db.session.expire_all()
    assert db.session.get(Notification, note).read_at is None


def test_pages_and_bad_arguments(login_as):
    buyer = BuyerFactory()
    made = tell(buyer, 5)
    client = login_as(buyer)

    first = client.get(NOTIFICATIONS, query_string={"limit": 2}).json
    rest = client.get(
        NOTIFICATIONS, query_string={"limit": 10, "cursor": first["next_cursor"]}
    ).json
    assert [i["id"] for i in first["items"] + rest["items"]] == made[::-1]
    assert rest["next_cursor"] is None
    assert client.get(NOTIFICATIONS, query_string={"limit": 0}).status_code == 422
    assert client.get(NOTIFICATIONS, query_string={"cursor": "nope"}).status_code == 422
    assert client.get(NOTIFICATIONS, query_string={"unread": "maybe"}).status_code == 422


def test_anonymous_is_401(api):
    api.refresh_csrf()
    assert api.get(NOTIFICATIONS).status_code == 401
    assert api.post(f"{NOTIFICATIONS}/read-all").status_code == 401
    assert api.post(f"{NOTIFICATIONS}/1/read").status_code == 401
