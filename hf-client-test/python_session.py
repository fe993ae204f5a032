"""The official Hugging Face Python client (huggingface_hub 0.x or 1.x, as given by PYTHONPATH) against Incubator:
a user's session through the API and the CLI, each step checked. Prints one JSON line per step and exits non-zero
on the first failure.

    HF_ENDPOINT=http://127.0.0.1:8420 HF_TOKEN=... HF_ORG=lab OTHER_TOKEN=... GATED_REPO=lab/gated \
        python3 python_session.py
"""
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import huggingface_hub
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

ORG = os.environ["HF_ORG"]
TOKEN = os.environ["HF_TOKEN"]
OTHER = os.environ["OTHER_TOKEN"]
GATED = os.environ["GATED_REPO"]
WEIGHT_BYTES = int(os.environ.get("HF_BIG_BYTES", str(50 * 1024 * 1024)))
VERSION = huggingface_hub.__version__
MAJOR = int(VERSION.split(".")[0])
REPO = f"{ORG}/session-{MAJOR}x"
api = HfApi(token=TOKEN)
other = HfApi(token=OTHER)


def step(what, **detail):
    print(json.dumps({"step": what, **detail}), flush=True)


def expect_error(kind, call, contains=None):
    try:
        call()
    except kind as error:
        text = str(error)
        if contains is not None and contains.lower() not in text.lower():
            raise AssertionError(f"{kind.__name__} without '{contains}': {text}")
        return text
    raise AssertionError(f"expected {kind.__name__}")


def cli(*args):
    """The client's own command line (no console script without pip): hf (1.x) or huggingface-cli (0.x)."""
    entry = ("from huggingface_hub.cli.hf import main" if MAJOR >= 1
             else "from huggingface_hub.commands.huggingface_cli import main")
    program = "hf" if MAJOR >= 1 else "huggingface-cli"
    done = subprocess.run([sys.executable, "-c", f"import sys; sys.argv[0] = '{program}'; {entry}; main()", *args],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise AssertionError(f"{program} {' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done.stdout


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    warnings.simplefilter("ignore")
    work = Path(tempfile.mkdtemp(prefix="hf-session-"))
    me = api.whoami()
    step("whoami", name=me["name"], orgs=[org["name"] for org in me.get("orgs", [])], version=VERSION)

    url = api.create_repo(REPO, private=True)
    again = api.create_repo(REPO, private=True, exist_ok=True)
    assert str(again).rstrip("/").endswith(REPO), again
    step("create_repo", url=str(url), exist_ok=str(again))

    # A folder with a README card and a weight file large enough for LFS.
    folder = work / "model"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: apache-2.0\nlanguage: [zh, en]\ntags: [session, "
                                      f"client-{MAJOR}x]\n---\n# Session\n\n中文模型卡。\n", encoding="utf-8")
    (folder / "config.json").write_text(json.dumps({"hidden_size": 64, "layers": 2}))
    weights = os.urandom(WEIGHT_BYTES)
    (folder / "model.safetensors").write_bytes(weights)
    first = api.upload_folder(repo_id=REPO, folder_path=str(folder), commit_message="first upload")
    info = api.model_info(REPO, files_metadata=True)
    names = sorted(sibling.rfilename for sibling in info.siblings)
    assert names == ["README.md", "config.json", "model.safetensors"], names
    assert info.card_data is not None and info.card_data.get("license") == "apache-2.0", info.card_data
    first_sha = info.sha
    step("upload_folder", commit=first_sha, files=names)

    # Re-upload to the existing repository through the command line: a new weight file, the same README.
    (folder / "model.safetensors").write_bytes(weights[: WEIGHT_BYTES // 2] + os.urandom(WEIGHT_BYTES // 2))
    cli("upload", REPO, str(folder), ".", "--commit-message", "second upload", "--token", TOKEN)
    second_sha = api.model_info(REPO).sha
    assert second_sha != first_sha
    step("cli upload", commit=second_sha)

    # Branches and tags.
    api.create_branch(REPO, branch="dev", revision=first_sha)
    api.create_branch(REPO, branch="dev", exist_ok=True)
    api.upload_file(path_or_fileobj=io.BytesIO(b"dev only\n"), path_in_repo="notes/dev.txt", repo_id=REPO,
                    revision="dev", commit_message="note on dev")
    api.create_tag(REPO, tag="v1.0", revision=first_sha, tag_message="first release")
    refs = api.list_repo_refs(REPO)
    branches = {ref.name: ref.target_commit for ref in refs.branches}
    tags = {ref.name: ref.target_commit for ref in refs.tags}
    assert set(branches) == {"main", "dev"} and branches["main"] == second_sha, branches
    assert tags == {"v1.0": first_sha}, tags
    step("branches and tags", branches=sorted(branches), tags=sorted(tags))

    # Integrity: no orphan branch from a typo, a commit id is never a branch, no silent pull request.
    expect_error(RevisionNotFoundError, lambda: api.upload_file(path_or_fileobj=io.BytesIO(b"x"),
                                                                path_in_repo="typo.txt", repo_id=REPO,
                                                                revision="deev"), "does not exist")
    expect_error(HfHubHTTPError, lambda: api.upload_file(path_or_fileobj=io.BytesIO(b"x"), path_in_repo="sha.txt",
                                                         repo_id=REPO, revision=first_sha), "commit id")
    expect_error(HfHubHTTPError, lambda: api.upload_file(path_or_fileobj=io.BytesIO(b"x"), path_in_repo="pr.txt",
                                                         repo_id=REPO, create_pr=True), "pull requests")
    after = api.list_repo_refs(REPO)
    assert {ref.name for ref in after.branches} == {"main", "dev"}, after
    assert api.model_info(REPO).sha == second_sha
    step("integrity refusals")

    # Downloads by branch, tag, full and short commit id: each exactly that commit's bytes.
    by_main = hf_hub_download(REPO, "model.safetensors", revision="main")
    by_tag = hf_hub_download(REPO, "model.safetensors", revision="v1.0")
    by_sha = hf_hub_download(REPO, "model.safetensors", revision=first_sha)
    by_short = hf_hub_download(REPO, "config.json", revision=first_sha[:7])
    assert sha256(by_tag) == sha256(by_sha) == hashlib.sha256(weights).hexdigest()
    assert sha256(by_main) == sha256(folder / "model.safetensors")
    assert json.loads(Path(by_short).read_text())["hidden_size"] == 64
    dev_note = hf_hub_download(REPO, "notes/dev.txt", revision="dev")
    assert Path(dev_note).read_bytes() == b"dev only\n"
    expect_error(EntryNotFoundError, lambda: hf_hub_download(REPO, "notes/dev.txt", revision="main"))
    snapshot = snapshot_download(REPO, revision="dev")
    assert sorted(p.relative_to(snapshot).as_posix() for p in Path(snapshot).rglob("*") if p.is_file()) == [
        "README.md", "config.json", "model.safetensors", "notes/dev.txt"]
    printed = cli("download", REPO, "config.json", "--revision", "v1.0", "--token", TOKEN).strip().splitlines()[-1]
    downloaded = printed.strip().removeprefix("path:").strip()  # 1.x prints "path: ...", 0.x the path alone
    assert json.loads(Path(downloaded).read_text())["layers"] == 2
    step("downloads", revisions=["main", "v1.0", "sha", "short sha", "dev"])

    # Listing, search and history.
    mine = [model.id for model in api.list_models(author=ORG)]
    assert REPO in mine, mine
    found = [model.id for model in api.list_models(search=f"session-{MAJOR}x")]
    assert found == [REPO], found
    tagged = [model.id for model in api.list_models(filter=f"client-{MAJOR}x", author=ORG)]
    assert tagged == [REPO], tagged
    assert len(list(api.list_models(author=ORG, limit=1))) == 1
    commits = api.list_repo_commits(REPO)
    titles = [commit.title for commit in commits]
    assert titles[:2] == ["second upload", "first upload"], titles
    dev_commits = api.list_repo_commits(REPO, revision="dev")
    assert dev_commits[0].title == "note on dev", [commit.title for commit in dev_commits]
    assert api.file_exists(REPO, "config.json") and not api.file_exists(REPO, "missing.bin")
    step("list and history", commits=len(commits))

    # Delete a file, change settings, rename, delete.
    api.delete_file("config.json", REPO, commit_message="drop config")
    assert not api.file_exists(REPO, "config.json")
    assert api.file_exists(REPO, "config.json", revision="v1.0")
    api.update_repo_settings(REPO, private=False)
    assert api.model_info(REPO).private is False
    api.update_repo_settings(REPO, gated="manual")
    assert api.model_info(REPO).gated == "manual"
    api.update_repo_settings(REPO, gated=False, private=True)
    assert api.model_info(REPO).private is True and not api.model_info(REPO).gated
    step("delete file and settings")

    moved = f"{REPO}-renamed"
    api.move_repo(REPO, moved)
    assert api.model_info(moved).sha
    expect_error(RepositoryNotFoundError, lambda: api.model_info(REPO))
    api.delete_branch(moved, branch="dev")
    api.delete_tag(moved, tag="v1.0")
    assert {ref.name for ref in api.list_repo_refs(moved).branches} == {"main"}
    step("move and delete refs", repo=moved)

    # Refusals, with their reasons: another tenant, a gated repository without an agreement.
    expect_error(RepositoryNotFoundError, lambda: other.model_info(moved))
    expect_error(RepositoryNotFoundError, lambda: hf_hub_download(moved, "README.md", token=OTHER,
                                                                  cache_dir=str(work / "other-cache")))
    expect_error(RepositoryNotFoundError, lambda: other.upload_file(path_or_fileobj=io.BytesIO(b"x"),
                                                                    path_in_repo="x.txt", repo_id=moved))
    gated = expect_error(GatedRepoError, lambda: hf_hub_download(GATED, "README.md", token=OTHER,
                                                                 cache_dir=str(work / "gated-cache")), "request access")
    step("refusals", gated=gated.splitlines()[-1][:200])

    api.delete_repo(moved)
    expect_error(RepositoryNotFoundError, lambda: api.model_info(moved))
    api.delete_repo(moved, missing_ok=True)
    step("delete_repo")
    step("done")


if __name__ == "__main__":
    try:
        main()
    except Exception as failure:  # report and fail: the test prints the lines
        import traceback

        traceback.print_exc()
        print(json.dumps({"step": "failed", "error": f"{type(failure).__name__}: {failure}"}), flush=True)
        sys.exit(1)
