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
