#!/usr/bin/python3
"""Read the queue and confirm what was taken: drain.py --user sensor1 --password-file F [--count N] [--idle S]

Prints one JSON line per message: {"from", "topic" (posts only), "id", "text", "sent_at"}.
"""
import argparse
import json
import queue

import papo_device

parser = argparse.ArgumentParser()
papo_device.add_login_options(parser)
parser.add_argument("--count", type=int, default=0, help="stop after this many messages")
parser.add_argument("--idle", type=float, default=5, help="stop after this many seconds without one")
parser.add_argument("--topics", nargs="*", default=[], help="topics joined, subscribed again if the session is new")
args = parser.parse_args()

me = args.user
offline = ("presence/" + me, {"status": "offline", "since": papo_device.now()})
connection = papo_device.Connection(args, queue_session=True, will=offline)
if not connection.session_present:
    # A new (or lost) session has no subscriptions: make them again, or nothing arrives.
    connection.subscribe([f"users/{me}/inbox/+", f"users/{me}/receipts/+"] + [f"topics/{t}/+" for t in args.topics])
# Presence is optional: papo-server's users.ls "online" is what this says.
connection.publish(f"presence/{me}", {"status": "online", "since": papo_device.now()}, retain=True)

seen = set()  # (sender, id); a real device keeps this on disk: repeats come after restarts
taken = 0
while not args.count or taken < args.count:
    try:
        message = connection.messages.get(timeout=args.idle)
    except queue.Empty:
        break
    levels = message.topic.split("/")
    if levels[0] == "users" and levels[2] == "inbox":  # users/<me>/inbox/<from>
        sender, where = levels[3], None
    elif levels[0] == "topics":  # topics/<topic>/<from>
        sender, where = levels[2], levels[1]
    else:
        continue  # receipts for our own messages: a device with an outbox would drop them from it
    try:
        body = json.loads(message.payload)
        message_id = body.get("id") if isinstance(body, dict) else None
    except ValueError:
        body, message_id = None, None
    if isinstance(message_id, str) and message_id:
        # Confirm every message that has an id, shown, repeated or malformed: else it stays counted.
        connection.publish(f"users/{sender}/receipts/{me}", {"ids": [message_id]})
    if (sender, message_id) in seen or not isinstance(body, dict) or not isinstance(body.get("text"), str):
        continue  # a repeat, or malformed: log and go on
    seen.add((sender, message_id))
    taken += 1
    line = {"from": sender, "id": message_id, "text": body["text"], "sent_at": body.get("sent_at")}
    if where:
        line["topic"] = where
    print(json.dumps(line), flush=True)

connection.publish(f"presence/{me}", {"status": "offline", "since": papo_device.now()}, retain=True)
connection.close()
