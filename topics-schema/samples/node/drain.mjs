// Read the queue and confirm what was taken:
//   node drain.mjs --user sensor1 --password-file F [--count N] [--idle S] [--topics a,b]
// Prints one JSON line per message: {"from", "topic" (posts only), "id", "text", "sent_at"}.
import { connect, loginOptions, now, publish, subscribe } from './papo_device.mjs';

const args = loginOptions({
  count: { type: 'string', default: '0' }, // stop after this many messages
  idle: { type: 'string', default: '5' }, // stop after this many seconds without one
  topics: { type: 'string', default: '' }, // topics joined, subscribed again if the session is new
});
const me = args.user;
const count = Number(args.count);

// Messages are handled one at a time, in order, from the moment the session resumes.
const seen = new Set(); // sender + id; a real device keeps this on disk: repeats come after restarts
let taken = 0;
let ready; // handling starts once the session is set up (client is assigned)
let last = new Promise((resolve) => {
  ready = resolve;
});
let onIdleOrDone;
const finished = new Promise((resolve) => {
  onIdleOrDone = resolve;
});
let idleTimer = setTimeout(onIdleOrDone, Number(args.idle) * 1000);
function onMessage(topic, payload) {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(onIdleOrDone, Number(args.idle) * 1000);
  last = last.then(() => handle(topic, payload)).then(() => (count && taken >= count ? onIdleOrDone() : undefined));
}

const will = { topic: `presence/${me}`, payload: { status: 'offline', since: now() } };
const { client, sessionPresent } = await connect(args, { queueSession: true, will, onMessage });
if (!sessionPresent) {
  // A new (or lost) session has no subscriptions: make them again, or nothing arrives.
  const topics = args.topics ? args.topics.split(',') : [];
  await subscribe(client, [`users/${me}/inbox/+`, `users/${me}/receipts/+`, ...topics.map((t) => `topics/${t}/+`)]);
}
// Presence is optional: papo-server's users.ls "online" is what this says.
await publish(client, `presence/${me}`, { status: 'online', since: now() }, { retain: true });
ready();

async function handle(topic, payload) {
  const levels = topic.split('/');
  let sender;
  let where;
  if (levels[0] === 'users' && levels[2] === 'inbox') sender = levels[3]; // users/<me>/inbox/<from>
  else if (levels[0] === 'topics') [where, sender] = [levels[1], levels[2]]; // topics/<topic>/<from>
  else return; // receipts for our own messages: a device with an outbox drops them from it
  let body;
  try {
    body = JSON.parse(payload.toString());
  } catch {
    body = undefined;
  }
  const id = body && typeof body === 'object' ? body.id : undefined;
  // Confirm every message that has an id, shown, repeated or malformed: else it stays counted.
  if (typeof id === 'string' && id) await publish(client, `users/${sender}/receipts/${me}`, { ids: [id] });
  const key = `${sender}\n${id}`;
  if (seen.has(key) || typeof body?.text !== 'string') return; // a repeat, or malformed
  seen.add(key);
  taken += 1;
  const line = { from: sender, id, text: body.text, sent_at: body.sent_at };
  if (where) line.topic = where;
  console.log(JSON.stringify(line));
}

await finished;
clearTimeout(idleTimer);
await last;
await publish(client, `presence/${me}`, { status: 'offline', since: now() }, { retain: true });
await client.endAsync();
