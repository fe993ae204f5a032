// The official Hugging Face JavaScript client against Incubator: a user's session beyond the round trip of
// roundtrip.mjs: branches, integrity refusals, existence checks, search, history, cache snapshots, deletes and the
// refusals of another tenant and of a gated repository, each with its message checked. One JSON line per step;
// exits non-zero on the first failure.
//   HUB_URL=... HF_TOKEN=... HF_ORG=lab OTHER_TOKEN=... GATED_REPO=lab/gated node session.mjs
import {
  createRepo, uploadFiles, uploadFile, createBranch, deleteBranch, fileExists, listModels, listCommits, modelInfo,
  downloadFile, snapshotDownload, deleteFile, deleteRepo, repoExists, listFiles,
} from "@huggingface/hub";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const hubUrl = process.env.HUB_URL;
const accessToken = process.env.HF_TOKEN;
const otherToken = process.env.OTHER_TOKEN;
const org = process.env.HF_ORG;
const gated = process.env.GATED_REPO;
const name = `${org}/js-session`;
const repo = { type: "model", name };
const step = (what, detail = {}) => console.log(JSON.stringify({ step: what, ...detail }));
const text = (value) => new Blob([new TextEncoder().encode(value)]);
const assert = (condition, message) => {
  if (!condition) {
    throw new Error(`assertion failed: ${message}`);
  }
};

async function refused(work, status, contains) {
  try {
    await work();
  } catch (error) {
    assert(error.statusCode === status, `status ${error.statusCode} (${error.message}), expected ${status}`);
    assert(error.message.toLowerCase().includes(contains.toLowerCase()),
      `message '${error.message}' lacks '${contains}'`);
    return error.message;
  }
  throw new Error(`expected a ${status} refusal`);
}

async function main() {
  await createRepo({ repo, accessToken, hubUrl, private: true });
  const exists = await repoExists({ repo, accessToken, hubUrl });
  assert(exists, "repoExists after createRepo");
  await refused(() => createRepo({ repo, accessToken, hubUrl }), 409, "already created");
  step("createRepo", { name });

  const first = await uploadFiles({
    repo, accessToken, hubUrl, commitTitle: "first",
    files: [
      { path: "README.md", content: text("---\nlicense: mit\ntags: [js-session]\n---\n# JS\n") },
      { path: "config.json", content: text(JSON.stringify({ layers: 2 })) },
    ],
  });
  await createBranch({ repo, accessToken, hubUrl, branch: "dev" });
  await uploadFile({ repo, accessToken, hubUrl, branch: "dev", file: { path: "dev.txt", content: text("dev\n") } });
  assert(await fileExists({ repo, accessToken, hubUrl, path: "dev.txt", revision: "dev" }), "dev.txt on dev");
  assert(!(await fileExists({ repo, accessToken, hubUrl, path: "dev.txt" })), "dev.txt not on main");
  assert(await fileExists({ repo, accessToken, hubUrl, path: "config.json" }), "config.json on main");
  step("branch", { commit: first.commit.oid });

  await refused(() => uploadFile({ repo, accessToken, hubUrl, branch: "deev",
    file: { path: "typo.txt", content: text("x") } }), 404, "does not exist");
  await refused(() => uploadFile({ repo, accessToken, hubUrl, isPullRequest: true,
    file: { path: "pr.txt", content: text("x") } }), 400, "pull requests");
  const main = await modelInfo({ name, accessToken, hubUrl, additionalFields: ["sha"] });
  assert(main.sha === first.commit.oid, `main moved to ${main.sha}`);
  step("integrity refusals");

  const short = first.commit.oid.slice(0, 7);
  const bySha = await downloadFile({ repo, accessToken, hubUrl, path: "config.json", revision: short });
  assert(JSON.parse(await bySha.text()).layers === 2, "download by short sha");
  const cacheDir = await mkdtemp(join(tmpdir(), "hf-js-cache-"));
  const snapshot = await snapshotDownload({ repo, accessToken, hubUrl, cacheDir, revision: "dev" });
  const snapshotFiles = (await readdir(snapshot, { recursive: true })).sort();
  assert(JSON.stringify(snapshotFiles) === JSON.stringify(["README.md", "config.json", "dev.txt"]),
    `snapshot ${snapshotFiles}`);
  assert((await readFile(join(snapshot, "dev.txt"), "utf8")) === "dev\n", "snapshot content");
  const expanded = [];
  for await (const entry of listFiles({ repo, accessToken, hubUrl, expand: true })) {
    expanded.push(entry);
  }
  assert(expanded.every((entry) => entry.type !== "file" || entry.lastCommit?.id === first.commit.oid),
    `lastCommit ${JSON.stringify(expanded)}`);
  step("downloads", { snapshot: snapshotFiles });

  const found = [];
  for await (const model of listModels({ search: { owner: org, query: "js-session" }, accessToken, hubUrl })) {
    found.push(model.name);
  }
  assert(JSON.stringify(found) === JSON.stringify([name]), `listModels ${found}`);
  const titles = [];
  for await (const commit of listCommits({ repo, accessToken, hubUrl, revision: "dev", batchSize: 1 })) {
    titles.push(commit.title);
  }
  assert(titles[0] === "Upload dev.txt with huggingface.js" || titles.length >= 2, `history ${titles}`);
  assert(titles.includes("first"), `history ${titles}`);
  step("list and history", { commits: titles.length });

  await deleteFile({ repo, accessToken, hubUrl, path: "config.json" });
  assert(!(await fileExists({ repo, accessToken, hubUrl, path: "config.json" })), "config.json deleted");
  await refused(() => createBranch({ repo, accessToken, hubUrl, branch: "dev" }), 409, "already exists");
  await createBranch({ repo, accessToken, hubUrl, branch: "dev", revision: first.commit.oid, overwrite: true });
  assert(!(await fileExists({ repo, accessToken, hubUrl, path: "dev.txt", revision: "dev" })), "dev moved back");
  await deleteBranch({ repo, accessToken, hubUrl, branch: "dev" });
  await refused(() => downloadFile({ repo, accessToken, hubUrl, path: "dev.txt", revision: "dev" }), 404, "dev");
  step("deletes");

  await refused(() => modelInfo({ name, accessToken: otherToken, hubUrl }), 404, "not found");
  await refused(() => uploadFile({ repo, accessToken: otherToken, hubUrl,
    file: { path: "intruder.txt", content: text("x") } }), 404, "not found");
  const gatedRepo = { type: "model", name: gated };
  const message = await refused(() => downloadFile({ repo: gatedRepo, accessToken: otherToken, hubUrl,
    path: "README.md" }), 403, "request access");
  step("refusals", { gated: message.slice(0, 200) });

  await deleteRepo({ repo, accessToken, hubUrl });
  assert(!(await repoExists({ repo, accessToken, hubUrl })), "repo deleted");
  step("deleteRepo");
  step("done");
}

main().catch((error) => {
  console.error(error);
  console.log(JSON.stringify({ step: "failed", error: String(error?.message ?? error) }));
  process.exit(1);
});
