#!/usr/bin/python3
"""Send one direct message: send_dm.py --user sensor1 --password-file F --to bob TEXT"""
import argparse

import papo_device

parser = argparse.ArgumentParser()
papo_device.add_login_options(parser)
parser.add_argument("--to", required=True)
parser.add_argument("text")
args = parser.parse_args()

# A helper connection (sensor1~pub-...): it must not take the queue session "sensor1" over.
connection = papo_device.Connection(args, purpose="pub")
message = {"id": papo_device.new_id(args.user), "text": args.text, "sent_at": papo_device.now()}
try:
    connection.publish(f"users/{args.to}/inbox/{args.user}", message)
    print(f"sent {message['id']} to {args.to}")
except papo_device.Refused as e:
    raise SystemExit(f"not sent: {e} (a full queue, a rate limit or no such user: keep it, send later)")
finally:
    connection.close()
