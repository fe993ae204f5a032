// The official OpenAI JavaScript client against the gateway: models, completions with prompt log-probabilities,
// a streamed chat, embeddings, and the errors it raises. Prints one JSON object; the test reads it.
//   node calls.mjs BASE_URL API_KEY MODEL PROMPT
import OpenAI from "openai";

const [baseURL, apiKey, model, prompt] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 180_000 });
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);

const scored = await client.completions.create({ model, prompt, max_tokens: 0, echo: true, logprobs: 1 });
out.echo = { text: scored.choices[0].text, tokens: scored.choices[0].logprobs.tokens,
  token_logprobs: scored.choices[0].logprobs.token_logprobs, usage: scored.usage, aigc: scored.aigc };

const completion = await client.completions.create({ model, prompt, max_tokens: 6, temperature: 0 });
out.completion = { text: completion.choices[0].text, usage: completion.usage };

const stream = await client.chat.completions.create({ model, messages: [{ role: "user", content: prompt }],
  max_tokens: 8, temperature: 0.8, seed: 7, stream: true, stream_options: { include_usage: true } });
let text = "";
let chunks = 0;
let usage = null;
for await (const chunk of stream) {
  chunks += 1;
  if (chunk.choices.length > 0) text += chunk.choices[0].delta.content ?? "";
  if (chunk.usage) usage = chunk.usage;
}
out.chat = { text, chunks, usage };

const embedding = await client.embeddings.create({ model, input: [prompt, "another text"] });
out.embeddings = { count: embedding.data.length, dimensions: embedding.data[0].embedding.length,
  usage: embedding.usage };

try {
  await client.completions.create({ model: model + "-missing", prompt, max_tokens: 1 });
  out.missing = { status: 200 };
} catch (e) {
  out.missing = { status: e.status, type: e.type, code: e.code, message: e.message };
}
console.log(JSON.stringify(out));
