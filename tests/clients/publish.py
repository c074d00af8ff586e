#!/usr/bin/python3
"""Publish a JSON message body to a Model Registry exchange, the way docs/messages.md describes.

    tests/clients/publish.py [--url amqp://127.0.0.1:5673/mreg] [--user mreg-pipeline] \
        --exchange mreg.model-trained --file body.json [--message-id UUID]

It connects as a client's own broker user: --user and --password (or MREG_USER and
MREG_PASSWORD), else the user and password in --url, else the development training pipeline,
mreg-pipeline (password: the user's name, as compose/services.sh makes the development users).
The body is sent as it is (UTF-8, a leading byte-order mark removed) with content_type
application/json (--content-type to change it), delivery_mode 2 (persistent), routing key "",
a message_id (the one given, else a new random UUID, printed so that a retry can reuse it) and
user_id = the connecting user: RabbitMQ refuses a user_id that is not the connection's own, and
the registry refuses a command without one (reason code unauthenticated). Publisher confirms are on: the script exits 0 only after the broker has confirmed the
message. With mandatory=False a message that no queue is bound to is confirmed too and dropped
by the broker (the exchange exists but no worker queue is bound to it).

Exit codes: 0 published and confirmed; 1 the broker refused or did not confirm it (missing
exchange, no permission, nack; PRECONDITION_FAILED: a user_id that is not the connection's); 2 bad arguments or a body that is not a JSON object;
3 the broker cannot be reached or refused the login.

Needs Python 3 and pika (Debian: apt-get install python3-pika).
"""
import argparse
import json
import os
import sys
import urllib.parse
import uuid

import pika
import pika.exceptions

DEFAULT_URL = "amqp://127.0.0.1:5673/mreg"
DEFAULT_USER = "mreg-pipeline"


def parse_args(argv):
    p = argparse.ArgumentParser(description="Publish a JSON file to a Model Registry exchange.")
    p.add_argument("--url", default=DEFAULT_URL,
                   help="AMQP URL: host, port, vhost, and optionally user:password@ (default: %(default)s)")
    p.add_argument("--user", default=os.environ.get("MREG_USER"),
                   help=f"the broker user to connect and publish as, its user_id (env MREG_USER; default: the URL's, "
                        f"else {DEFAULT_USER})")
    p.add_argument("--password", default=os.environ.get("MREG_PASSWORD"),
                   help="its password (env MREG_PASSWORD; default: the URL's when the user is the URL's, else the user's name)")
    p.add_argument("--exchange", required=True, help="the message's exchange, e.g. mreg.model-trained")
    p.add_argument("--file", required=True, help="the JSON body to publish ('-' reads standard input)")
    p.add_argument("--message-id", help="the AMQP message_id, a UUID (default: a new random UUID)")
    p.add_argument("--routing-key", default="", help="routing key (default: empty; the exchanges are fanout)")
    p.add_argument("--content-type", default="application/json",
                   help="content_type (default: %(default)s; application/vnd.masstransit+json for a body "
                        "that is already a MassTransit envelope)")
    return p.parse_args(argv)


def read_body(path):
    raw = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    text = raw.decode("utf-8-sig")  # strict UTF-8; drops a BOM, which JSON readers may refuse
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError("the body must be a JSON object")
    return text.encode("utf-8")


def credentials(args, url):
    """The user and password to connect as: --user/--password, else the URL's, else the development pipeline's."""
    url_user = urllib.parse.unquote(url.username) if url.username else None
    url_password = urllib.parse.unquote(url.password) if url.password is not None else None
    user = args.user or url_user or DEFAULT_USER
    if args.password is not None:
        return user, args.password
    if user == url_user and url_password is not None:
        return user, url_password
    return user, user


def main(argv=None):
    args = parse_args(argv)
    try:
        message_id = str(uuid.UUID(args.message_id)) if args.message_id else str(uuid.uuid4())
    except ValueError:
        print(f"error: --message-id {args.message_id!r} is not a UUID", file=sys.stderr)
        return 2
    try:
        body = read_body(args.file)
    except (OSError, UnicodeDecodeError, ValueError) as e:  # json.JSONDecodeError is a ValueError
        print(f"error: {args.file}: {e}", file=sys.stderr)
        return 2

    try:
        parameters = pika.URLParameters(args.url)
        url = urllib.parse.urlsplit(args.url)
    except Exception as e:  # pika raises several types for a malformed URL
        print(f"error: --url: {e}", file=sys.stderr)
        return 2
    user, password = credentials(args, url)
    parameters.credentials = pika.PlainCredentials(user, password)
    properties = pika.BasicProperties(
        content_type=args.content_type,
        delivery_mode=2,  # persistent: survives a broker restart once it is in a durable queue
        message_id=message_id,
        user_id=user,  # the principal: RabbitMQ checks it is the connection's user
    )

    try:
        connection = pika.BlockingConnection(parameters)
    except pika.exceptions.ProbableAuthenticationError as e:
        print(f"error: the broker refused the login of user {user!r}: {e}", file=sys.stderr)
        return 3
    except pika.exceptions.AMQPConnectionError as e:
        print(f"error: cannot connect to the broker ({parameters.host}:{parameters.port}, "
              f"vhost {parameters.virtual_host}): {e!r}", file=sys.stderr)
        return 3
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(exchange=args.exchange, routing_key=args.routing_key, body=body,
                              properties=properties, mandatory=False)
    except pika.exceptions.ChannelClosedByBroker as e:
        # 404 NOT_FOUND: the exchange does not exist yet; 403 ACCESS_REFUSED: no write permission;
        # 406 PRECONDITION_FAILED: a user_id that is not the connection's user.
        print(f"error: the broker refused the message: {e.reply_code} {e.reply_text}", file=sys.stderr)
        return 1
    except pika.exceptions.NackError:
        print("error: the broker did not accept the message (nack)", file=sys.stderr)
        return 1
    except pika.exceptions.AMQPError as e:
        print(f"error: publishing failed: {e!r}", file=sys.stderr)
        return 1
    finally:
        if connection.is_open:
            connection.close()

    print(f"published {args.file} to {args.exchange} as {user} (message_id {message_id}, {len(body)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
