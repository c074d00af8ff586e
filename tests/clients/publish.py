#!/usr/bin/python3
"""Publish a JSON message body to a Model Registry exchange, the way docs/messages.md describes.

    tests/clients/publish.py --url amqp://mreg:mreg@127.0.0.1:5673/mreg \
        --exchange mreg.model-trained --file body.json [--message-id UUID]

The body is sent as it is (UTF-8, a leading byte-order mark removed) with content_type
application/json (--content-type to change it), delivery_mode 2 (persistent), routing key ""
a message_id (the one given, else a new random UUID, printed so that a retry can reuse
it) and user_id = the URL's user (the broker refuses any other; the registry refuses a message
without one, docs/security.md). Publisher confirms are on: the script exits 0 only after the broker has confirmed the
message. With mandatory=False a message that no queue is bound to is confirmed too and dropped
by the broker (the exchange exists but no worker queue is bound to it).

Exit codes: 0 published and confirmed; 1 the broker refused or did not confirm it (missing
exchange, no permission, nack); 2 bad arguments or a body that is not a JSON object;
3 the broker cannot be reached or refused the login.

Needs Python 3 and pika (Debian: apt-get install python3-pika).
"""
import argparse
import json
import sys
import uuid

import pika
import pika.exceptions

DEFAULT_URL = "amqp://mreg:mreg@127.0.0.1:5673/mreg"


def parse_args(argv):
    p = argparse.ArgumentParser(description="Publish a JSON file to a Model Registry exchange.")
    p.add_argument("--url", default=DEFAULT_URL,
                   help="AMQP URL with credentials and vhost (default: %(default)s)")
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
    except Exception as e:  # pika raises several types for a malformed URL
        print(f"error: --url: {e}", file=sys.stderr)
        return 2
    properties = pika.BasicProperties(
        content_type=args.content_type,
        delivery_mode=2,  # persistent: survives a broker restart once it is in a durable queue
        message_id=message_id,
        user_id=parameters.credentials.username,  # the principal: validated by the broker, checked by the registry
    )

    try:
        connection = pika.BlockingConnection(parameters)
    except pika.exceptions.ProbableAuthenticationError as e:
        print(f"error: the broker refused the login: {e}", file=sys.stderr)
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
        # 404 NOT_FOUND: the exchange does not exist yet; 403 ACCESS_REFUSED: no write permission.
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

    print(f"published {args.file} to {args.exchange} (message_id {message_id}, {len(body)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
