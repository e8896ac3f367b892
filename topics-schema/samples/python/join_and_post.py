#!/usr/bin/python3
"""Join a topic and post to it: join_and_post.py --user sensor1 --password-file F --topic lobby TEXT"""
import argparse

import papo_device

parser = argparse.ArgumentParser()
papo_device.add_login_options(parser)
parser.add_argument("--topic", required=True)
parser.add_argument("text")
args = parser.parse_args()

# 1. The queue session subscribes the topic first (No Local), so that every post papo-server
#    counts for this device is one its queue holds. (Do this while no reader of ours runs.)
queue_session = papo_device.Connection(args, queue_session=True)
subscribed = queue_session.subscribe([f"topics/{args.topic}/+"])
queue_session.close()
if not subscribed:
    raise SystemExit("could not subscribe the topic")

# 2. Tell papo-server, which counts the posts waiting for each member.
answer = papo_device.ask(args, {"command": "topics.join", "name": args.topic})
if not answer["ok"]:
    raise SystemExit(f"topics.join refused: {answer['code']}: {answer['error']}")
topic = answer["data"]["name"]  # the registered spelling

# 3. Post, from a helper connection.
connection = papo_device.Connection(args, purpose="pub")
message = {"id": papo_device.new_id(args.user), "text": args.text, "sent_at": papo_device.now()}
try:
    connection.publish(f"topics/{topic}/{args.user}", message)
    print(f"joined {topic} and posted {message['id']}")
finally:
    connection.close()
