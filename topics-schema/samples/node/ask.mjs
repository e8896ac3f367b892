// Ask papo-server something:
//   node ask.mjs --user sensor1 --password-file F '{"command":"users.info","name":"bob"}'
// Prints papo-server's whole answer: {"command", "ok": true, "data"} or {"command", "ok": false, "code", "error"}.
import { ask, fail, loginOptions } from './papo_device.mjs';

const args = loginOptions();
if (args.positionals.length !== 1) fail('usage: ask.mjs ... REQUEST-JSON');
const answer = await ask(args, JSON.parse(args.positionals[0]));
console.log(JSON.stringify(answer));
process.exit(answer.ok ? 0 : 1);
