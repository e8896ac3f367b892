"""What every papo device needs, with Debian's python3-paho-mqtt 1.6.1 (see ../../devices.md).

Each sample program (send_dm.py, join_and_post.py, drain.py, ask.py) uses these helpers.
"""
import datetime
import json
import queue
import secrets
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

NEVER = 0x7FFFFFFF  # papo's "never expires" for a queue session (Paho C mis-encodes 0xFFFFFFFF)


class Refused(Exception):
    """The broker refused a login or a publish (or dropped the connection before confirming it)."""


def add_login_options(parser):
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--user", required=True, help="the device's registered name")
    parser.add_argument("--password-file", required=True, help="a file holding only the password")


def now():
    """A papo time: RFC 3339, UTC, with milliseconds and a Z."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_id(name):
    """An id unique across restarts without keeping a counter: name plus 16 random hex digits."""
    return f"{name}-{secrets.token_hex(8)}"


class Connection:
    """One MQTT 5 connection, connected on creation; blocking calls with timeouts.

    queue_session=True: client id = the name, clean start off, session expiry NEVER (the
    queue). Otherwise a helper: client id <name>~<purpose>-<hex>, clean start on, expiry 0.
    """

    def __init__(self, args, purpose=None, queue_session=False, will=None, timeout=10):
        self.name = args.user
        self.timeout = timeout
        client_id = self.name if queue_session else f"{self.name}~{purpose}-{secrets.token_hex(4)}"
        self.client = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv5)  # paho's default is 3.1.1
        with open(args.password_file, encoding="utf-8") as f:
            self.client.username_pw_set(self.name, f.read().strip())
        if will:
            topic, payload = will
            self.client.will_set(topic, json.dumps(payload), qos=1, retain=True)
        self.messages = queue.Queue()
        self.connected = threading.Event()
        self.lost = threading.Event()
        self.acks = {}  # mid -> Event, for SUBACKs
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda c, u, rc, p=None: self.lost.set()
        self.client.on_message = lambda c, u, message: self.messages.put(message)
        self.client.on_subscribe = self._on_subscribe
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = NEVER if queue_session else 0
        # paho's default clean_start is "first only": it would wipe the queue once.
        self.client.connect(args.host, args.port, clean_start=not queue_session, properties=properties)
        self.client.loop_start()
        if not self.connected.wait(timeout) or self.connect_rc != 0:
            self.close()
            raise Refused(f"login as {self.name} refused or timed out")

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connect_rc = rc.value if hasattr(rc, "value") else rc
        self.session_present = bool(flags.get("session present"))
        self.connected.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties=None):
        self.granted = reason_codes
        self.acks.setdefault(mid, threading.Event()).set()

    def subscribe(self, topics):
        """SUBSCRIBE (QoS 1, No Local) and wait for the SUBACK; False if the connection dropped."""
        options = SubscribeOptions(qos=1, noLocal=True)
        result, mid = self.client.subscribe([(t, options) for t in topics])
        if result != mqtt.MQTT_ERR_SUCCESS:
            return False
        done = self.acks.setdefault(mid, threading.Event())
        return done.wait(self.timeout) and not self.lost.is_set() and all(c.value < 0x80 for c in self.granted)

    def publish(self, topic, payload, properties=None, retain=False):
        """Publish at QoS 1 and make sure the broker took it.

        paho-mqtt 1.6.1 never shows a PUBACK's reason code, and Mosquitto closes the
        connection after a refusal. A SUBSCRIBE sent after the PUBLISH is answered only if
        the broker kept the connection, that is, accepted the PUBLISH.
        """
        data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        info = self.client.publish(topic, data, qos=1, retain=retain, properties=properties)
        info.wait_for_publish(self.timeout)
        if not info.is_published() or not self.subscribe([f"server/v1/response/{self.name}/confirm"]):
            raise Refused(f"the broker did not accept the publish to {topic}")
        self.client.unsubscribe(f"server/v1/response/{self.name}/confirm")

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def ask(args, request, timeout=10):
    """Ask papo-server: subscribe a response topic, publish the request, wait for its answer."""
    connection = Connection(args, purpose="rpc", timeout=timeout)
    try:
        nonce = secrets.token_hex(8)
        response_topic = f"server/v1/response/{connection.name}/{nonce}"
        if not connection.subscribe([response_topic]):
            raise Refused("could not subscribe the response topic")
        properties = Properties(PacketTypes.PUBLISH)
        properties.ResponseTopic = response_topic
        properties.CorrelationData = nonce.encode()
        properties.MessageExpiryInterval = timeout  # a late papo-server does not act on it
        connection.publish(f"server/v1/request/{connection.name}", request, properties)
        while True:
            message = connection.messages.get(timeout=timeout)  # queue.Empty: no answer in time
            if getattr(message.properties, "CorrelationData", None) == nonce.encode():
                return json.loads(message.payload)
    finally:
        connection.close()
