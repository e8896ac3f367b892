// Send one direct message: node send_dm.mjs --user sensor1 --password-file F --to bob TEXT
import { connect, fail, loginOptions, newId, now, publish } from './papo_device.mjs';

const args = loginOptions({ to: { type: 'string' } });
if (!args.to || args.positionals.length !== 1) fail('usage: send_dm.mjs ... --to NAME TEXT');

// A helper connection (sensor1~pub-...): it must not take the queue session "sensor1" over.
const { client } = await connect(args, { purpose: 'pub' });
const message = { id: newId(args.user), text: args.positionals[0], sent_at: now() };
try {
  await publish(client, `users/${args.to}/inbox/${args.user}`, message);
  console.log(`sent ${message.id} to ${args.to}`);
} catch (e) {
  // 0x87: a full queue, a rate limit, no such user: keep the message and send it later.
  fail(`not sent: ${e.message}${e.code ? ` (reason 0x${e.code.toString(16)})` : ''}`);
} finally {
  await client.endAsync();
}
