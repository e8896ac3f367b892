// What every papo device needs, with MQTT.js 5 (see ../../devices.md).
// Each sample program (send_dm.mjs, join_and_post.mjs, drain.mjs, ask.mjs) uses these helpers.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';

export const NEVER = 0x7fffffff; // papo's "never expires" for a queue session

// --host, --port, --user, --password-file, plus the program's own options.
export function loginOptions(extra = {}) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '1883' },
      user: { type: 'string' },
      'password-file': { type: 'string' },
      ...extra,
    },
  });
  if (!values.user || !values['password-file']) fail('--user and --password-file are required');
  return { ...values, positionals };
}

export function fail(why) {
  console.error(why);
  process.exit(1);
}

// A papo time: RFC 3339, UTC, milliseconds, Z (toISOString writes exactly that).
export const now = () => new Date().toISOString();

// An id unique across restarts without keeping a counter: name plus 16 random hex digits.
export const newId = (name) => `${name}-${randomBytes(8).toString('hex')}`;

// Connects; resolves with { client, sessionPresent }. queueSession: client id = the name,
// clean start off, session expiry NEVER (the queue). Otherwise a helper <name>~<purpose>-<hex>.
// onMessage(topic, payload, packet) is attached BEFORE connecting: a resumed session's
// waiting messages arrive right after the CONNACK, and MQTT.js acknowledges (PUBACK) a
// message it emits with no listener, so a listener attached later loses them.
export function connect(args, { purpose, queueSession = false, will, onMessage } = {}) {
  const client = mqtt.connect({
    host: args.host,
    port: Number(args.port),
    protocolVersion: 5, // MQTT.js's default is 4 (3.1.1): no Session Expiry, no Response Topic
    clientId: queueSession ? args.user : `${args.user}~${purpose}-${randomBytes(4).toString('hex')}`,
    clean: !queueSession, // MQTT.js's default clean: true would wipe the queue (papo refuses it)
    properties: { sessionExpiryInterval: queueSession ? NEVER : 0 },
    username: args.user,
    password: readFileSync(args['password-file'], 'utf8').trim(),
    will: will && { topic: will.topic, payload: JSON.stringify(will.payload), qos: 1, retain: true },
    reconnectPeriod: 0, // a sample stops on a lost connection; a device reconnects with backoff
    connectTimeout: 10_000,
  });
  if (onMessage) client.on('message', onMessage);
  return new Promise((resolve, reject) => {
    client.once('connect', (connack) => resolve({ client, sessionPresent: connack.sessionPresent }));
    client.once('error', reject); // a refused login: error.code is the CONNACK reason (0x87, 0x86)
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

// QoS 1 publish: rejects with the PUBACK's reason code (error.code 0x87) or on a dropped connection.
export async function publish(client, topic, payload, options = {}) {
  const data = typeof payload === 'string' ? payload : JSON.stringify(payload);
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no PUBACK for ${topic}`)), 10_000);
  });
  try {
    await Promise.race([client.publishAsync(topic, data, { qos: 1, ...options }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// SUBSCRIBE at QoS 1 with No Local; rejects when a filter is refused (SUBACK >= 0x80).
export async function subscribe(client, topics) {
  const granted = await client.subscribeAsync(topics, { qos: 1, nl: true });
  const refused = granted.filter((g) => g.qos >= 0x80);
  if (refused.length) throw new Error(`subscription refused: ${refused.map((g) => g.topic).join(', ')}`);
}

// Ask papo-server: subscribe a response topic, publish the request, wait for its answer.
export async function ask(args, request, timeoutSeconds = 10) {
  const { client } = await connect(args, { purpose: 'rpc' });
  try {
    const nonce = randomBytes(8).toString('hex');
    const responseTopic = `server/v1/response/${args.user}/${nonce}`;
    await subscribe(client, [responseTopic]);
    const answer = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('papo-server did not answer')), timeoutSeconds * 1000);
      client.on('message', (topic, payload, packet) => {
        if (packet.properties?.correlationData?.toString() !== nonce) return;
        clearTimeout(timer);
        resolve(JSON.parse(payload.toString()));
      });
    });
    await publish(client, `server/v1/request/${args.user}`, request, {
      properties: {
        responseTopic,
        correlationData: Buffer.from(nonce),
        messageExpiryInterval: timeoutSeconds, // a late papo-server does not act on it
      },
    });
    return await answer;
  } finally {
    await client.endAsync();
  }
}
