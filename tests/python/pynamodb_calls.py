"""PynamoDB's side of `bench --calls`: the client CPU of single-item calls.

Usage: python pynamodb_calls.py ENDPOINT N PREFIX

Runs, against the DynamoDB endpoint ENDPOINT (the bench's embedded store), N calls each
of save (PutItem), get (GetItem), update (UpdateItem, ALL_NEW) on table `users`, and a
one-item query page (Query) of a customer's orders on table `orders`: the tables the
bench's dynamongo `User` and `Order` live in, with items of the same shape. Prints one JSON object: the process CPU time (`time.process_time`, this
process only: the store runs in the bench's process) per call, in microseconds, by call.
"""

import json
import sys
import time
from datetime import datetime, timezone

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model


def meta(endpoint, table):
    """A model's `Meta`: `table` on the store at `endpoint`."""

    class Meta:
        table_name = table
        host = endpoint
        region = "us-east-1"
        aws_access_key_id = "bench"
        aws_secret_access_key = "bench"

    return Meta


def user_model(endpoint):
    class User(Model):
        Meta = meta(endpoint, "users")

        email = UnicodeAttribute(hash_key=True)
        name = UnicodeAttribute()
        year_of_birth = NumberAttribute(null=True)
        cities_visited = ListAttribute(of=UnicodeAttribute, null=True)
        created_at = UTCDateTimeAttribute(default=lambda: datetime.now(timezone.utc))

    return User


def order_model(endpoint):
    class Order(Model):
        Meta = meta(endpoint, "orders")

        customer = UnicodeAttribute(hash_key=True)
        order_id = UnicodeAttribute(range_key=True)
        status = UnicodeAttribute(default="open")
        placed_at = UTCDateTimeAttribute(default=lambda: datetime.now(timezone.utc))
        total = NumberAttribute(null=True)
        city = UnicodeAttribute(null=True)

    return Order


def main():
    endpoint, n, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    User = user_model(endpoint)
    Order = order_model(endpoint)
    emails = [f"{prefix}{i:07}@bench.io" for i in range(n)]
    out = {}

    def timed(name, call):
        start = time.process_time()
        for i, email in enumerate(emails):
            call(i, email)
        out[name] = (time.process_time() - start) / n * 1e6

    def save(i, email):
        User(
            email,
            name=f"User number {i}",
            year_of_birth=1900 + i % 118,
            cities_visited=["Nairobi", "New York"],
        ).save()

    def get(i, email):
        User.get(email)

    def update(i, email):
        User(email).update(actions=[User.name.set(f"N{i}")], condition=User.email.exists())

    def query(i, email):
        list(Order.query(email, limit=10))

    timed("save_one", save)
    timed("get_one", get)
    timed("update_one", update)
    for email in emails:
        Order(email, "o-1", total=12.5, city="Nairobi").save()
    timed("query", query)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
