// The official Hugging Face JavaScript client against Incubator: create a repository, upload a multi-file model
// with a file over 50 MB, list it, and download every file byte-identical. Prints one JSON line per step and
// exits non-zero on the first failure.
//   HUB_URL=http://127.0.0.1:8420 HF_TOKEN=... HF_REPO=org/name node roundtrip.mjs
import { createRepo, uploadFiles, listFiles, downloadFile, modelInfo, whoAmI, fileDownloadInfo } from "@huggingface/hub";
import { createHash, randomFillSync } from "node:crypto";

const hubUrl = process.env.HUB_URL;
const accessToken = process.env.HF_TOKEN;
const name = process.env.HF_REPO;
const bigBytes = Number(process.env.HF_BIG_BYTES ?? 60 * 1024 * 1024);
if (!hubUrl || !accessToken || !name) {
  console.error("set HUB_URL, HF_TOKEN and HF_REPO");
  process.exit(2);
}
const repo = { type: "model", name };
const step = (what, detail = {}) => console.log(JSON.stringify({ step: what, ...detail }));
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

function seeded(size, seed) {
  const out = new Uint8Array(size);
  randomFillSync(out);
  out[0] = seed;
  return out;
}

const files = [
  { path: "config.json", content: new TextEncoder().encode(JSON.stringify({ hidden_size: 4096, layers: 32 })) },
  { path: "README.md", content: new TextEncoder().encode("---\nlicense: apache-2.0\nlanguage: [zh, en]\ntags: [test]\n---\n# Round trip\n") },
  { path: "tokenizer/vocab.txt", content: new TextEncoder().encode("你好\nworld\n".repeat(1000)) },
  { path: "model-00001.safetensors", content: seeded(bigBytes, 1) },
  { path: "model-00002.safetensors", content: seeded(3 * 1024 * 1024, 2) },
];

const me = await whoAmI({ accessToken, hubUrl });
step("whoami", { name: me.name });

await createRepo({ repo, accessToken, hubUrl, private: true });
step("createRepo", { name });

const upload = await uploadFiles({
  repo, accessToken, hubUrl,
  files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })),
  commitTitle: "Upload model from the official client",
});
step("uploadFiles", { commit: upload.commit.oid });

const info = await modelInfo({ name, accessToken, hubUrl, additionalFields: ["sha"] });
step("modelInfo", { sha: info.sha ?? null });

const listed = [];
for await (const entry of listFiles({ repo, accessToken, hubUrl, recursive: true })) {
  if (entry.type === "file") {
    listed.push(entry.path);
  }
}
listed.sort();
const expected = files.map((file) => file.path).sort();
if (JSON.stringify(listed) !== JSON.stringify(expected)) {
  console.error("listed", listed, "expected", expected);
  process.exit(1);
}
step("listFiles", { files: listed.length });

for (const file of files) {
  const meta = await fileDownloadInfo({ repo, path: file.path, accessToken, hubUrl });
  if (meta.size !== file.content.length) {
    console.error(file.path, "size", meta.size, "expected", file.content.length);
    process.exit(1);
  }
  const blob = await downloadFile({ repo, path: file.path, accessToken, hubUrl });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (sha256(bytes) !== sha256(file.content)) {
    console.error(file.path, "downloaded content differs");
    process.exit(1);
  }
  step("download", { path: file.path, bytes: bytes.length });
}
step("done");
