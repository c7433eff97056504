// The customer simulator: plain JS, no build. Customer text is rendered with textContent only.
(function () {
  'use strict';

  const state = {
    platform: '',          // tab filter
    customers: [],         // [{platform, channelId, id, name, username}]
    channels: [],          // the gateway's channels: [{platform, id, name}]
    selected: null,        // {platform, id}
    entries: new Map(),    // message id -> entry (from the feed)
    cursor: 0,
    seen: new Map(),       // platform:id -> number of received entries seen
  };

  const $ = (id) => document.getElementById(id);
  const key = (platform, id) => platform + ':' + id;

  async function api(method, path, body) {
    const res = await fetch('/simulator/api' + path, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => null);
    if (!res.ok) {
      const err = new Error(json && json.error ? json.error.message : 'HTTP ' + res.status);
      err.status = res.status;
      err.body = json;
      throw err;
    }
    return json;
  }

  function offline(message) {
    const b = $('offline');
    b.hidden = !message;
    b.textContent = message || '';
  }

  // ---- customers ----

  async function loadCustomers() {
    try {
      const r = await api('GET', '/customers');
      state.customers = r.items;
      state.channels = r.channels || [];
      offline(null);
      renderChannelChoice();
      renderCustomers();
      selectFromHash();
    } catch (e) {
      offline(e.status === 404
        ? 'The simulator runs only in demo mode: java -jar target/switchboard.jar demo'
        : 'The demo does not answer (' + e.message + '); retrying…');
    }
  }

  function renderCustomers() {
    const list = $('customers');
    list.replaceChildren();
    for (const c of state.customers) {
      if (state.platform && c.platform !== state.platform) continue;
      const li = document.createElement('li');
      li.dataset.platform = c.platform;
      li.dataset.id = c.id;
      if (state.selected && state.selected.platform === c.platform && state.selected.id === c.id) li.className = 'selected';
      const left = document.createElement('div');
      const name = document.createElement('div');
      name.textContent = c.name || c.id;
      const sub = document.createElement('small');
      sub.className = 'muted';
      // a username customer: WhatsApp shows the business only the BSUID and the username
      sub.textContent = c.username ? `@${c.username} · ${c.id}` : c.id;
      left.append(name, sub);
      const right = document.createElement('div');
      const unread = unreadCount(c);
      if (unread > 0) {
        const u = document.createElement('span');
        u.className = 'unread';
        u.textContent = String(unread);
        right.append(u, document.createTextNode(' '));
      }
      const badge = document.createElement('span');
      badge.className = 'badge ' + c.platform;
      badge.textContent = c.platform;
      right.append(badge);
      li.append(left, right);
      li.addEventListener('click', () => select(c));
      list.append(li);
    }
  }

  // a new customer writes to the channel picked here: any of the platform's, a newly connected one too
  function renderChannelChoice() {
    const form = $('new-customer');
    const select = form.channel;
    const picked = select.value;
    const mine = state.channels.filter((ch) => ch.platform === form.platform.value);
    // the list is polled: an unchanged one is left as it is, so an open dropdown stays open
    const drawn = JSON.stringify(mine);
    if (select.dataset.drawn === drawn) return;
    select.dataset.drawn = drawn;
    const options = mine.map((ch) => {
      const o = document.createElement('option');
      o.value = ch.id;
      o.textContent = ch.name + ' · ' + ch.id;
      return o;
    });
    select.replaceChildren(...options);
    if (mine.some((ch) => ch.id === picked)) select.value = picked;
  }

  function receivedFor(platform, id) {
    let n = 0;
    for (const e of state.entries.values()) {
      if (e.platform === platform && e.customerId === id && e.direction === 'out') n++;
    }
    return n;
  }

  function unreadCount(c) {
    if (state.selected && state.selected.platform === c.platform && state.selected.id === c.id) return 0;
    const seen = state.seen.get(key(c.platform, c.id)) || 0;
    return Math.max(0, receivedFor(c.platform, c.id) - seen);
  }

  // #whatsapp:14155550123 opens that customer (a link from elsewhere, or a reload)
  function selectFromHash() {
    const m = /^#(whatsapp|messenger|instagram):(.+)$/.exec(decodeURIComponent(location.hash));
    if (!m || (state.selected && state.selected.platform === m[1] && state.selected.id === m[2])) return;
    const c = state.customers.find((x) => x.platform === m[1] && x.id === m[2]);
    if (c) select(c);
  }

  window.addEventListener('hashchange', selectFromHash);

  function select(c) {
    state.selected = { platform: c.platform, id: c.id };
    history.replaceState(null, '', '#' + c.platform + ':' + c.id);
    state.seen.set(key(c.platform, c.id), receivedFor(c.platform, c.id));
    const head = $('chat-head');
    head.replaceChildren();
    const badge = document.createElement('span');
    badge.className = 'badge ' + c.platform;
    badge.textContent = c.platform;
    const name = document.createElement('strong');
    name.textContent = c.name || c.id;
    const id = document.createElement('span');
    id.className = 'muted';
    id.textContent = c.id + ' → channel ' + c.channelId;
    head.append(badge, name, id);
    $('chat').className = 'chat ' + c.platform;
    $('composer').hidden = false;
    $('text').focus();
    renderCustomers();
    renderMessages();
  }

  // ---- messages ----

  const TICKS = { sending: '…', accepted: '✓', refused: '⚠', sent: '✓', delivered: '✓✓', read: '✓✓' };

  function renderMessages() {
    const list = $('messages');
    list.replaceChildren();
    if (!state.selected) return;
    const mine = [...state.entries.values()]
      .filter((e) => e.platform === state.selected.platform && e.customerId === state.selected.id)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    for (const e of mine) {
      const li = document.createElement('li');
      li.className = 'msg ' + e.direction + (e.status === 'refused' ? ' refused' : '');
      li.dataset.id = e.id;
      li.dataset.status = e.status;
      if (e.kind && e.kind !== 'text') {
        const k = document.createElement('span');
        k.className = 'kind';
        k.textContent = e.kind + (e.tag ? ' · ' + e.tag : '');
        li.append(k);
      } else if (e.tag) {
        const k = document.createElement('span');
        k.className = 'kind';
        k.textContent = e.tag;
        li.append(k);
      }
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = e.text;
      const meta = document.createElement('span');
      meta.className = 'meta';
      const time = new Date(e.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      const tick = document.createElement('span');
      tick.className = 'tick ' + e.status;
      tick.textContent = TICKS[e.status] || e.status;
      tick.title = e.direction === 'in'
        ? (e.status === 'refused' ? e.error || 'the gateway refused it' : 'the gateway ' + e.status + ' it')
        : e.status;
      meta.append(document.createTextNode(time + ' '), tick);
      li.append(text, meta);
      if (e.direction === 'out' && Array.isArray(e.choices)) {
        // reply buttons / quick replies: tapping one answers with its payload
        const row = document.createElement('div');
        row.className = 'choices';
        for (const ch of e.choices) {
          const b = document.createElement('button');
          b.type = 'button';
          b.textContent = ch.title;
          b.addEventListener('click', () => send(ch.title, ch.payload, e.id));
          row.append(b);
        }
        li.append(row);
      }
      if (e.direction === 'out' && e.requestsPhone && !e.phoneShared) {
        // WhatsApp's "request phone number": the customer may share it
        const row = document.createElement('div');
        row.className = 'choices';
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = 'Share phone number';
        b.addEventListener('click', () => sharePhone(e.id));
        row.append(b);
        li.append(row);
      }
      list.append(li);
    }
    list.scrollTop = list.scrollHeight;
    state.seen.set(key(state.selected.platform, state.selected.id), receivedFor(state.selected.platform, state.selected.id));
  }

  async function pollFeed() {
    try {
      const r = await api('GET', '/feed?after=' + state.cursor + '&limit=200');
      let changed = false;
      for (const e of r.items) {
        state.entries.set(e.id, e);
        changed = true;
        if (!state.customers.some((c) => c.platform === e.platform && c.id === e.customerId)) {
          state.customers.push({ platform: e.platform, channelId: e.channelId, id: e.customerId, name: e.customerId });
        }
      }
      state.cursor = r.items.length ? r.items[r.items.length - 1].seq : state.cursor;
      if (changed) {
        renderMessages();
        renderCustomers();
      }
      offline(null);
    } catch (e) {
      if (e.status !== 404) offline('The demo does not answer (' + e.message + '); retrying…');
    } finally {
      setTimeout(pollFeed, 1000);
    }
  }

  // ---- forms ----

  async function send(text, payload, replyTo) {
    $('send').disabled = true;
    try {
      const body = { platform: state.selected.platform, customerId: state.selected.id, text };
      if (payload) {
        body.payload = payload;
        body.replyTo = replyTo;
      }
      const r = await api('POST', '/messages', body);
      state.entries.set(r.item.id, r.item);
      if (!payload) $('text').value = '';
    } catch (e) {
      if (e.body && e.body.item) state.entries.set(e.body.item.id, e.body.item);
      offline('Not delivered: ' + e.message);
    } finally {
      $('send').disabled = false;
      renderMessages();
      $('text').focus();
    }
  }

  async function sharePhone(requestId) {
    try {
      const r = await api('POST', '/share-phone', { customerId: state.selected.id, replyTo: requestId });
      state.entries.set(r.item.id, r.item);
      const request = state.entries.get(requestId);
      if (request) request.phoneShared = true;
    } catch (e) {
      if (e.body && e.body.item) state.entries.set(e.body.item.id, e.body.item);
      offline('Not delivered: ' + e.message);
    } finally {
      renderMessages();
    }
  }

  $('composer').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('text').value;
    if (!text.trim() || !state.selected) return;
    send(text, null, null);
  });

  $('text').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      $('composer').requestSubmit();
    }
  });

  $('new-customer').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    try {
      const username = form.username.value.trim();
      const c = await api('POST', '/customers', {
        platform: form.platform.value, channelId: form.channel.value || undefined, name: form.name.value, username: username || undefined,
      });
      form.name.value = '';
      form.username.value = '';
      state.customers.push(c);
      select(c);
    } catch (e) {
      offline('Cannot add the customer: ' + e.message);
    }
  });

  $('new-customer').platform.addEventListener('change', renderChannelChoice);

  for (const b of document.querySelectorAll('#platform-tabs button')) {
    b.addEventListener('click', () => {
      state.platform = b.dataset.platform;
      document.querySelectorAll('#platform-tabs button').forEach((x) => x.classList.toggle('active', x === b));
      renderCustomers();
    });
  }

  loadCustomers();
  setInterval(loadCustomers, 5000);
  pollFeed();
})();
