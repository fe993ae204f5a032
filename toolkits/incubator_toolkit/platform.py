"""The job contract (docs/toolkits.md): parameters, mounts, metrics, checkpoints and signals.

Inside a job, Incubator sets INCUBATOR_TEMPLATE_PARAMS (the template's parameters as JSON), INCUBATOR_MOUNTS (the
hub repositories the job mounts, read-only), INCUBATOR_CHECKPOINT_DIR (kept across attempts) and INCUBATOR_METRICS
(a JSON-lines file the platform tails). Outside a job the same script runs with --params FILE and local folders."""
import json
import os
import signal
import sys
import time

import torch

TEXT_SUFFIXES = (".txt", ".md", ".jsonl", ".json")


class Params(dict):
    """The template's parameters; every one has a value (its template.yaml default when not set)."""

    def __missing__(self, name):
        raise SystemExit(f"parameter {name!r} has no value: run this script through its template (incubator job "
                         f"submit --template ...) or give every parameter with --params FILE (incubator template "
                         f"params NAME prints them)")


class Job:
    def __init__(self, argv=None):
        argv = sys.argv[1:] if argv is None else argv
        self.params = Params()
        if os.environ.get("INCUBATOR_TEMPLATE_PARAMS"):
            self.params.update(json.loads(os.environ["INCUBATOR_TEMPLATE_PARAMS"]))
        if "--params" in argv:
            with open(argv[argv.index("--params") + 1], encoding="utf-8") as source:
                self.params.update(json.load(source))
        self.checkpoint_dir = os.environ.get("INCUBATOR_CHECKPOINT_DIR", os.path.abspath("checkpoints"))
        self.mounts_dir = os.environ.get("INCUBATOR_MOUNTS", os.path.abspath("mounts"))
        os.makedirs(self.checkpoint_dir, exist_ok=True)
        self.metrics_path = os.environ.get("INCUBATOR_METRICS", os.path.join(self.checkpoint_dir, "metrics.jsonl"))
        self.attempt = int(os.environ.get("INCUBATOR_ATTEMPT", "1"))
        self.stop_signal = None
        for name in ("SIGTERM", "SIGUSR1", "SIGUSR2", "SIGINT"):
            signal.signal(getattr(signal, name), self._on_signal)
        torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))  # the CPUs the job was pinned to

    def _on_signal(self, number, frame):
        # Checked between steps: the step in flight finishes, a checkpoint is written, then the job exits.
        self.stop_signal = signal.Signals(number).name

    # --------------------------------------------------------------------------------------------- mounts

    def mount(self, name):
        """(folder, commit) of a mounted repository named as in the spec: datasets/lab/corpus[@rev]."""
        path = os.path.join(self.mounts_dir, name.split("@", 1)[0])
        if not os.path.isdir(path):
            raise SystemExit(f"{name} is not mounted at {path}; list it under the job's mounts")
        commit = None
        marker = os.path.join(path, ".incubator-commit")
        if os.path.exists(marker):
            with open(marker, encoding="utf-8") as source:
                commit = source.read().strip()
        return path, commit

    def read_text(self, name):
        """Every text file of a mounted dataset (sorted by path), joined with <|endoftext|>; JSON lines' "text"."""
        root, commit = self.mount(name)
        documents = []
        for folder, _, files in sorted(os.walk(root)):
            for file in sorted(files):
                if not file.endswith(TEXT_SUFFIXES) or file.startswith(".") or file == "README.md":
                    continue
                with open(os.path.join(folder, file), encoding="utf-8", errors="replace") as source:
                    if file.endswith((".jsonl", ".json")):
                        for line in source:
                            line = line.strip()
                            if line.startswith("{"):
                                record = json.loads(line)
                                if isinstance(record.get("text"), str):
                                    documents.append(record["text"])
                    else:
                        documents.append(source.read())
        if not documents:
            raise SystemExit(f"{name} has no text files ({', '.join(TEXT_SUFFIXES)}) to train on")
        return documents, commit

    # -------------------------------------------------------------------------------------------- metrics

    def log(self, step, **values):
        """Appends {"step": N, name: value, ...} to INCUBATOR_METRICS and prints it."""
        record = {"step": int(step), **{name: float(value) for name, value in values.items()}}
        self._append(record)
        shown = "  ".join(f"{name} {value:.4g}" for name, value in values.items())
        print(f"step {step}  {shown}", flush=True)

    def log_params(self, params):
        self._append({"params": {name: value for name, value in params.items()}})

    def _append(self, record):
        try:
            with open(self.metrics_path, "a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as e:  # metrics are worth a warning, not the run
            if not getattr(self, "_warned", False):
                print(f"warning: can not append metrics to {self.metrics_path}: {e}", file=sys.stderr, flush=True)
                self._warned = True

    # ---------------------------------------------------------------------------------------- checkpoints

    def save_checkpoint(self, step, state, keep=2):
        """Writes state (anything torch.save takes) as ckpt-STEP atomically, points 'latest' at it, keeps the last
        `keep`. A kill at any moment leaves the previous checkpoint whole."""
        name = f"ckpt-{step:08d}"
        partial = os.path.join(self.checkpoint_dir, name + ".partial")
        os.makedirs(partial, exist_ok=True)
        with open(os.path.join(partial, "state.pt"), "wb") as out:
            torch.save(state, out)
            out.flush()
            os.fsync(out.fileno())
        final = os.path.join(self.checkpoint_dir, name)
        if os.path.exists(final):
            _remove(final)
        os.replace(partial, final)
        _write_atomically(os.path.join(self.checkpoint_dir, "latest"), name + "\n")
        kept = sorted(entry for entry in os.listdir(self.checkpoint_dir) if entry.startswith("ckpt-")
                      and not entry.endswith(".partial"))
        for old in kept[:-keep]:
            _remove(os.path.join(self.checkpoint_dir, old))

    def latest_checkpoint(self):
        """The state of the last checkpoint, or None on a first attempt."""
        pointer = os.path.join(self.checkpoint_dir, "latest")
        if not os.path.exists(pointer):
            return None
        with open(pointer, encoding="utf-8") as source:
            name = source.read().strip()
        return torch.load(os.path.join(self.checkpoint_dir, name, "state.pt"))

    def export_dir(self):
        """Where the finished model goes in Hugging Face's layout (what 'incubator job publish' commits)."""
        path = os.path.join(self.checkpoint_dir, "model")
        os.makedirs(path, exist_ok=True)
        return path

    def stop_if_asked(self, step, save):
        """After a checkpoint signal: save, say so, exit 75 (the platform requeues a preempted job, which resumes)."""
        if self.stop_signal is None:
            return
        save(step)
        print(f"{self.stop_signal}: checkpoint written at step {step}; stopping", flush=True)
        sys.exit(75)


def write_json(path, value):
    _write_atomically(path, json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def _write_atomically(path, text):
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


def _remove(path):
    for folder, directories, files in os.walk(path, topdown=False):
        for file in files:
            os.remove(os.path.join(folder, file))
        for directory in directories:
            os.rmdir(os.path.join(folder, directory))
    os.rmdir(path)


class Throughput:
    """Tokens per second over the steps since the last report."""

    def __init__(self):
        self.started, self.tokens = time.perf_counter(), 0

    def add(self, tokens):
        self.tokens += tokens

    def rate(self):
        now = time.perf_counter()
        rate = self.tokens / max(now - self.started, 1e-9)
        self.started, self.tokens = now, 0
        return rate
