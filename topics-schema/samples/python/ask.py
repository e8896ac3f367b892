#!/usr/bin/python3
"""Ask papo-server something: ask.py --user sensor1 --password-file F '{"command":"users.info","name":"bob"}'

Prints papo-server's whole answer: {"command", "ok": true, "data"} or {"command", "ok": false, "code", "error"}.
"""
import argparse
import json

import papo_device

parser = argparse.ArgumentParser()
papo_device.add_login_options(parser)
parser.add_argument("request", help="the request object, as JSON")
args = parser.parse_args()

answer = papo_device.ask(args, json.loads(args.request))
print(json.dumps(answer))
raise SystemExit(0 if answer["ok"] else 1)
