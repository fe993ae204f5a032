// The official Hugging Face JavaScript client's Xet path against Incubator: a fine-tune series (a base model, then
// versions that rewrite a few tensors) pushed over Xet and, for comparison, over plain LFS; each version downloaded
// back through Xet reconstruction byte-identical; what each push sent and what the server stored; and the refusal
// of another tenant. One JSON line per step; exits non-zero on the first failure.
//   HUB_URL=... HF_TOKEN=... HF_ORG=lab LFS_ORG=lab2 OTHER_TOKEN=... BLOB_DIR=<server data>/blobs node xet.mjs
import { createRepo, uploadFiles, downloadFile, fileDownloadInfo } from "@huggingface/hub";
import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

const hubUrl = process.env.HUB_URL;
const accessToken = process.env.HF_TOKEN;
const otherToken = process.env.OTHER_TOKEN;
const org = process.env.HF_ORG;
// The LFS series goes to another organisation, so that it has an encryption domain (and dedup) of its own.
const lfsOrg = process.env.LFS_ORG ?? org;
const blobDir = process.env.BLOB_DIR;
const size = Number(process.env.XET_MODEL_BYTES ?? 32 * 1024 * 1024);
const versions = Number(process.env.XET_VERSIONS ?? 3);
const step = (what, detail = {}) => console.log(JSON.stringify({ step: what, ...detail }));
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const assert = (condition, message) => {
  if (!condition) {
    throw new Error(`assertion failed: ${message}`);
  }
};

/** A deterministic pseudo-random byte stream (xorshift), so the series is the same on every run. */
function fill(bytes, seed) {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    bytes[i] = x & 255;
  }
}

/** The series: a base model, then each version rewrites 8 "tensors" of 256 KiB at places the version picks. */
function series() {
  const models = [];
  const base = new Uint8Array(size);
  fill(base, 7);
  models.push(base);
  for (let v = 1; v < versions; v++) {
    const next = models[v - 1].slice();
    for (let t = 0; t < 8; t++) {
      const tensor = new Uint8Array(256 * 1024);
      fill(tensor, 1000 * v + t);
      const at = ((v * 7919 + t * 104729) * 4096) % (size - tensor.length);
      next.set(tensor, at);
    }
    models.push(next);
  }
  return models;
}

async function stored() {
  let total = 0;
  for (const entry of await readdir(blobDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      total += (await stat(join(entry.parentPath ?? entry.path, entry.name))).size;
    }
  }
  return total;
}

/** fetch that counts the request body bytes a push sends. */
function counting() {
  const counter = { sent: 0 };
  counter.fetch = async (url, init) => {
    const body = init?.body;
    if (body instanceof Uint8Array || ArrayBuffer.isView(body)) {
      counter.sent += body.byteLength;
    } else if (body instanceof Blob) {
      counter.sent += body.size;
    } else if (typeof body === "string") {
      counter.sent += Buffer.byteLength(body);
    }
    return fetch(url, init);
  };
  return counter;
}

async function push(name, useXet, models) {
  const repo = { type: "model", name };
  await createRepo({ repo, accessToken, hubUrl, private: true });
  const rows = [];
  for (let v = 0; v < models.length; v++) {
    const before = await stored();
    const counter = counting();
    await uploadFiles({
      repo, accessToken, hubUrl, useXet, fetch: counter.fetch, commitTitle: `version ${v}`,
      files: [{ path: "model.safetensors", content: new Blob([models[v]]) }],
    });
    const after = await stored();
    rows.push({ version: v, sent: counter.sent, stored: after - before });
    const info = await fileDownloadInfo({ repo, accessToken, hubUrl, path: "model.safetensors" });
    assert(Boolean(info.xet) === useXet, `${name} v${v}: served over xet: ${Boolean(info.xet)}`);
    const blob = await downloadFile({ repo, accessToken, hubUrl, path: "model.safetensors" });
    const back = new Uint8Array(await blob.arrayBuffer());
    assert(back.length === models[v].length && sha256(back) === sha256(models[v]), `${name} v${v} round trip`);
  }
  return rows;
}

async function main() {
  const models = series();
  const xet = await push(`${org}/series-xet`, true, models);
  step("xet", { rows: xet });
  const lfs = await push(`${lfsOrg}/series-lfs`, false, models);
  step("lfs", { rows: lfs });

  // Another tenant: no file information, no reconstruction.
  try {
    await fileDownloadInfo({ repo: { type: "model", name: `${org}/series-xet` }, accessToken: otherToken, hubUrl,
      path: "model.safetensors" });
    throw new Error("another tenant read the file information");
  } catch (error) {
    assert(error.statusCode === 404, `outsider got ${error.statusCode}: ${error.message}`);
  }
  step("refusal");
  const total = (rows, key) => rows.slice(1).reduce((sum, row) => sum + row[key], 0);
  step("summary", {
    modelBytes: size, versions,
    xetSentAfterBase: total(xet, "sent"), lfsSentAfterBase: total(lfs, "sent"),
    xetStoredAfterBase: total(xet, "stored"), lfsStoredAfterBase: total(lfs, "stored"),
  });
  step("done");
}

main().catch((error) => {
  console.error(error);
  console.log(JSON.stringify({ step: "failed", error: String(error?.message ?? error) }));
  process.exit(1);
});
