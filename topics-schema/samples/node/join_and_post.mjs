// Join a topic and post to it: node join_and_post.mjs --user sensor1 --password-file F --topic lobby TEXT
import { ask, connect, fail, loginOptions, newId, now, publish, subscribe } from './papo_device.mjs';

const args = loginOptions({ topic: { type: 'string' } });
if (!args.topic || args.positionals.length !== 1) fail('usage: join_and_post.mjs ... --topic NAME TEXT');

// 1. The queue session subscribes the topic first (No Local), so that every post papo-server
//    counts for this device is one its queue holds. (Do this while no reader of ours runs.)
const queue = await connect(args, { queueSession: true });
await subscribe(queue.client, [`topics/${args.topic}/+`]);
await queue.client.endAsync();

// 2. Tell papo-server, which counts the posts waiting for each member.
const answer = await ask(args, { command: 'topics.join', name: args.topic });
if (!answer.ok) fail(`topics.join refused: ${answer.code}: ${answer.error}`);
const topic = answer.data.name; // the registered spelling

// 3. Post, from a helper connection.
const { client } = await connect(args, { purpose: 'pub' });
const message = { id: newId(args.user), text: args.positionals[0], sent_at: now() };
try {
  await publish(client, `topics/${topic}/${args.user}`, message);
  console.log(`joined ${topic} and posted ${message.id}`);
} finally {
  await client.endAsync();
}
