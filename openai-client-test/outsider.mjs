// Another organisation's key against a private deployment: what the official client raises.
//   node outsider.mjs BASE_URL API_KEY MODEL
import OpenAI from "openai";

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const out = {};
out.models = (await client.models.list()).data.map((m) => m.id);
try {
  await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 1 });
  out.call = { status: 200 };
} catch (e) {
  out.call = { status: e.status, type: e.type, code: e.code, param: e.param, message: e.message };
}
console.log(JSON.stringify(out));
