// The console's one script: live parts and the chat playground. Pages work without it; with it they follow what
// changes (server-sent events) instead of being reloaded.

// Live parts: an element with data-events follows that event stream. Its [data-part] children are replaced by the
// events of their name (HTML the server rendered, as on the page); a [data-log] child gets the job's output appended.
// The "end" event closes the stream (the thing followed is over); the browser reconnects on its own otherwise,
// resuming the output from the last event's id.
(function () {
  const MAX_LOG = 512 * 1024;
  for (const root of document.querySelectorAll('[data-events]')) {
    const source = new EventSource(root.dataset.events);
    for (const part of root.querySelectorAll('[data-part]')) {
      source.addEventListener(part.dataset.part, (event) => { part.innerHTML = event.data; });
    }
    const log = root.querySelector('[data-log]');
    if (log) {
      source.addEventListener('log', (event) => {
        const following = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
        let text = log.textContent + event.data;
        if (text.length > MAX_LOG) {
          text = text.slice(text.length - MAX_LOG);
        }
        log.textContent = text;
        if (following) {
          log.scrollTop = log.scrollHeight;
        }
      });
    }
    source.addEventListener('end', () => {
      source.close();
      root.dataset.ended = 'true';
    });
  }
}());

// The chat playground. It keeps the conversation, posts it with the page's CSRF token and shows the answer as the
// gateway streams it (OpenAI server-sent events), token by token.
(function () {
  const form = document.getElementById('playground');
  if (!form) {
    return;
  }
  const transcript = document.getElementById('transcript');
  const problem = document.getElementById('playground-error');
  const conversation = [];

  function turn(who, text) {
    const line = document.createElement('p');
    line.className = 'turn';
    const name = document.createElement('strong');
    name.textContent = who + ': ';
    const body = document.createElement('span');
    body.textContent = text;
    line.append(name, body);
    transcript.append(line);
    return body;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.textContent = '';
    const prompt = form.elements.prompt.value.trim();
    if (!prompt) {
      return;
    }
    conversation.push({ role: 'user', content: prompt });
    turn(form.dataset.you, prompt);
    const answer = turn(form.dataset.model, '');
    answer.parentElement.classList.add('streaming');
    const button = form.querySelector('button');
    button.disabled = true;
    const sent = new URLSearchParams({ csrf: form.elements.csrf.value, max_tokens: form.elements.max_tokens.value,
      messages: JSON.stringify(conversation) });
    let text = '';
    try {
      const response = await fetch(form.action, { method: 'POST', body: sent, credentials: 'same-origin' });
      if (!response.ok || !(response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
        const failure = await response.json().catch(() => ({}));
        throw new Error((failure.error && failure.error.message) || response.statusText);
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let pending = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        pending += decoder.decode(value, { stream: true });
        const lines = pending.split('\n');
        pending = lines.pop();
        for (const line of lines) {
          if (!line.startsWith('data: ') || line === 'data: [DONE]') {
            continue;
          }
          const chunk = JSON.parse(line.slice(6));
          if (chunk.error) {
            throw new Error(chunk.error.message || 'the model failed');
          }
          for (const choice of chunk.choices || []) {
            text += (choice.delta && choice.delta.content) || '';
          }
          answer.textContent = text;
        }
      }
      conversation.push({ role: 'assistant', content: text });
      form.elements.prompt.value = '';
    } catch (error) {
      conversation.pop();
      problem.textContent = error.message;
    } finally {
      answer.parentElement.classList.remove('streaming');
      answer.parentElement.classList.add('done');
      button.disabled = false;
    }
  });
}());

// The audit log checked in the browser: an export (the page's download, or 'incubator audit export') is verified as
// 'incubator audit verify' does it: the head's Ed25519 signature with the key this page shows, each entry's leaf hash
// (SHA-256 of 0x00 and the event's canonical JSON) against its inclusion proof (RFC 9162), and for a whole-log export
// the root recomputed from the entries alone. It names the first leaf that was changed, removed or reordered.
(function () {
  const form = document.getElementById('audit-verify');
  if (!form) {
    return;
  }
  const verdict = document.getElementById('audit-verdict');
  const words = form.dataset;

  function canonical(value) {
    if (value === null) {
      return 'null';
    }
    if (Array.isArray(value)) {
      return '[' + value.map(canonical).join(',') + ']';
    }
    if (typeof value === 'object') {
      return '{' + Object.keys(value).sort().map((key) => JSON.stringify(key) + ':' + canonical(value[key])).join(',')
        + '}';
    }
    if (typeof value === 'number' && !Number.isInteger(value)) {
      throw new Error('an event holds a fraction, which no audit event has');
    }
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  }
  const bytes = (text) => new TextEncoder().encode(text);
  const base64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  async function sha256(...parts) {
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      all.set(part, at);
      at += part.length;
    }
    return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  }
  const leafHash = (entry) => sha256(Uint8Array.of(0), entry);
  const nodeHash = (left, right) => sha256(Uint8Array.of(1), left, right);
  const half = (n) => Math.floor(n / 2);

  async function included(leaf, index, size, path, root) {
    if (index < 0 || index >= size) {
      return false;
    }
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of path) {
      if (sn === 0) {
        return false;
      }
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = half(fn);
            sn = half(sn);
          }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && same(r, root);
  }
  async function rootOf(leaves) {
    if (leaves.length === 0) {
      return sha256();
    }
    if (leaves.length === 1) {
      return leaves[0];
    }
    let k = 1;
    while (k * 2 < leaves.length) {
      k *= 2;
    }
    return nodeHash(await rootOf(leaves.slice(0, k)), await rootOf(leaves.slice(k)));
  }

  async function verify(bundle) {
    const head = bundle.tree_head;
    if (!head || !Array.isArray(bundle.entries)) {
      return { ok: false, message: words.notExport };
    }
    if (bundle.public_key !== words.key) {
      return { ok: false, message: words.otherKey };
    }
    const key = await crypto.subtle.importKey('spki', base64(words.key), { name: 'Ed25519' }, false, ['verify']);
    const signed = bytes(canonical({ tree_size: head.tree_size, root_hash: head.root_hash, timestamp: head.timestamp }));
    if (!await crypto.subtle.verify({ name: 'Ed25519' }, key, base64(head.signature), signed)) {
      return { ok: false, message: words.badSignature };
    }
    const root = base64(head.root_hash);
    const from = bundle.from;
    const to = bundle.to;
    if (!(from >= 0 && to <= head.tree_size && from <= to)) {
      return { ok: false, message: words.badRange };
    }
    let expected = from;
    const leaves = [];
    for (const entry of bundle.entries) {
      if (entry.leaf_index !== expected) {
        return { ok: false, message: words.missing.replace('{leaf}', Math.min(expected, entry.leaf_index)) };
      }
      const leaf = await leafHash(bytes(canonical(entry.event)));
      if (!await included(leaf, entry.leaf_index, head.tree_size, (entry.audit_path || []).map(base64), root)) {
        return { ok: false, message: words.changed.replace('{leaf}', entry.leaf_index) };
      }
      leaves.push(leaf);
      expected += 1;
    }
    if (expected !== to) {
      return { ok: false, message: words.missing.replace('{leaf}', expected) };
    }
    if (from === 0 && to === head.tree_size && !same(await rootOf(leaves), root)) {
      return { ok: false, message: words.badRoot };
    }
    return { ok: true, message: words.verified.replace('{count}', leaves.length).replace('{size}', head.tree_size) };
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    verdict.className = '';
    verdict.textContent = words.checking;
    try {
      if (!window.crypto || !crypto.subtle) {
        throw new Error(words.insecure);
      }
      const file = form.elements.export.files[0];
      if (!file) {
        throw new Error(words.noFile);
      }
      let bundle;
      try {
        bundle = JSON.parse(await file.text());
      } catch (error) {
        throw new Error(words.notExport);
      }
      const result = await verify(bundle);
      verdict.className = result.ok ? 'good' : 'bad';
      verdict.textContent = result.message;
    } catch (error) {
      verdict.className = 'bad';
      verdict.textContent = error.message;
    }
  });
}());
