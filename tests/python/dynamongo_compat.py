"""The real Python dynamongo 0.1 against a store the Rust tests run.

Usage: python dynamongo_compat.py read ID | write ID | read-account ID | read-session TOKEN
The endpoint comes from AWS_ENDPOINT_URL_DYNAMODB (boto3 reads it).
`read` prints the item as dynamongo loads it, as JSON; `write` saves a fixed item.
"""
import datetime
import json
import sys
import uuid

from dynamongo import (BooleanField, DateField, DateTimeField, DictField, EmailField,
                       FloatField, IntField, IPAddressField, ListField, Model,
                       StringField, TimedeltaField, URLField, UUIDField)


class SeedTypes(Model):
    __table__ = 'seed-types'
    __hash_key__ = 'id'

    id = StringField(required=True)
    count = IntField()
    ratio = FloatField()
    active = BooleanField()
    name = StringField()
    email = EmailField()
    homepage = URLField()
    token = UUIDField()
    ip = IPAddressField()
    seen_at = DateTimeField()
    born_on = DateField()
    timeout = TimedeltaField()
    cities = ListField(StringField)
    address = DictField(city=StringField(), zip=IntField())


class Account(Model):
    """spec/accounts.json: its version field is a plain number to dynamongo 0.1."""
    __table__ = 'accounts'
    __hash_key__ = 'id'

    id = StringField(required=True)
    owner = EmailField(required=True)
    balance = IntField(required=True)
    version = IntField()


class Session(Model):
    """spec/sessions.json: its TTL field (epoch seconds) is a plain number too."""
    __table__ = 'sessions'
    __hash_key__ = 'token'

    token = UUIDField(required=True)
    user = EmailField(required=True)
    expires_at = IntField(required=True)


def plain(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f+0000')
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return int(value.total_seconds())
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, 'is_integer') and not isinstance(value, float):  # Decimal
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def main():
    mode, item_id = sys.argv[1], sys.argv[2]
    if mode == 'read':
        item = SeedTypes.get_one(item_id)
        print(json.dumps(plain(item.to_dict()), sort_keys=True))
    elif mode == 'write':
        # Floats are left out: boto3's resource API refuses Python floats, so dynamongo 0.1
        # cannot write a FloatField (it reads them fine).
        SeedTypes.save_one({
            'id': item_id,
            'count': 42,
            'active': False,
            'name': 'Zoë',
            'email': 'py@example.com',
            'homepage': 'https://example.com/py',
            'token': uuid.UUID(int=7),
            'ip': '10.1.2.3',
            'seen_at': datetime.datetime(2021, 3, 4, 5, 6, 7, 890123, tzinfo=datetime.timezone.utc),
            'born_on': datetime.date(1999, 12, 31),
            'timeout': datetime.timedelta(seconds=3600),
            'cities': ['Kisumu', 'Nakuru'],
            'address': {'city': 'Eldoret', 'zip': 30100},
        })
        naive = dict(id=item_id + '-naive', name='naive',
                     seen_at=datetime.datetime(2021, 3, 4, 5, 6, 7, 890123))
        SeedTypes.save_one(naive)
    elif mode == 'read-account':
        print(json.dumps(plain(Account.get_one(item_id).to_dict()), sort_keys=True))
    elif mode == 'read-session':
        print(json.dumps(plain(Session.get_one(uuid.UUID(item_id)).to_dict()), sort_keys=True))
    else:
        raise SystemExit('usage: dynamongo_compat.py read ID | write ID | '
                         'read-account ID | read-session TOKEN')


if __name__ == '__main__':
    main()
