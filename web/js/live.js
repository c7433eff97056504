// Live updates: the Vert.x event-bus bridge over SockJS at /eventbus. Registers for the account's
// address with the agent's token in the register frame, reconnects by itself with backoff, and
// after every (re)connect replays what it missed from GET /events?after=<last id>, so no update
// is lost across a dropped connection. Events are applied in id order, each once.

import { api, query, ApiError } from './api.js';

const REPLAY_PAGE = 200;

/** Compares two event ids ("<ms>-<seq>", Redis stream ids; plain numbers also work). */
export function compareIds(a, b) {
  const pa = String(a).split('-').map((x) => BigInt(x || 0));
  const pb = String(b).split('-').map((x) => BigInt(x || 0));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n, y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export class Live {
  /**
   * @param opts {accountId, token, onEvent(event), onResync(), onState(online: boolean), onRefused(message)}
   */
  constructor(opts) {
    this.opts = opts;
    this.lastId = null;
    this.replaying = false;
    this.buffer = [];
    this.online = false;
    this.stopped = false;
    this.eb = null;
  }

  start() {
    // the account in the URL lets a balancer route every socket of an account to one node
    // (deploy/nginx/nginx.conf), which then reads only the log partitions of the accounts it holds
    const eb = new window.EventBus(`/eventbus${query({ account: this.opts.accountId })}`, {
      vertxbus_reconnect_delay_min: 300,
      vertxbus_reconnect_delay_max: 8000,
      vertxbus_ping_interval: 10000,
    });
    this.eb = eb;
    eb.enableReconnect(true);
    eb.onopen = () => this.opened();
    eb.onclose = () => this.setOnline(false);
    eb.onerror = () => {};
  }

  stop() {
    this.stopped = true;
    if (this.eb) {
      try { this.eb.close(); } catch (e) { /* already closed */ }
    }
  }

  /**
   * A refreshed token: the next (re)connect registers with it. The bridge closes a socket whose
   * token expired, and the client reconnects on its own and replays what it missed.
   */
  setToken(token) {
    this.opts.token = token;
  }

  /** Drops the socket (as a network failure would); the client reconnects on its own. */
  drop() {
    if (this.eb && this.eb.sockJSConn) this.eb.sockJSConn.close();
  }

  setOnline(online) {
    if (this.online === online) return;
    this.online = online;
    this.opts.onState(online);
  }

  opened() {
    const address = `inbox.account.${this.opts.accountId}`;
    // the bridge authorises the register frame by this header; it answers a refusal as an error message
    this.eb.registerHandler(address, { authorization: `Bearer ${this.opts.token}` }, (err, msg) => {
      if (err) {
        this.opts.onRefused(err.message || 'refused');
        return;
      }
      this.receive(msg.body);
    });
    this.setOnline(true);
    this.catchUp();
  }

  receive(event) {
    // presence, viewing and typing carry no id: never stored, never replayed, applied at once
    if (event && event.id === undefined && event.type && this.opts.onEphemeral) {
      try { this.opts.onEphemeral(event); } catch (e) { console.error('event handler failed', e); }
      return;
    }
    if (!event || event.id === undefined) return;
    if (this.replaying) {
      this.buffer.push(event);
      return;
    }
    this.apply(event);
  }

  apply(event) {
    if (this.lastId !== null && compareIds(event.id, this.lastId) <= 0) return; // seen already
    this.lastId = event.id;
    try {
      this.opts.onEvent(event);
    } catch (e) {
      console.error('event handler failed', e);
    }
  }

  /** After a (re)connect: replay from the last id seen, or reload everything when we have no cursor. */
  async catchUp() {
    if (this.lastId === null) {
      // nothing seen yet: the lists are (re)loaded fresh, which is newer than any replay
      this.opts.onResync();
      return;
    }
    this.replaying = true;
    try {
      for (;;) {
        const page = await api.get(`/events${query({ after: this.lastId, limit: REPLAY_PAGE })}`);
        const items = (page && page.items) || [];
        for (const ev of items) this.apply(ev);
        if (items.length < REPLAY_PAGE) break;
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 410) {
        // our cursor is older than the log keeps: start over from fresh lists
        this.lastId = null;
        this.opts.onResync();
      } else {
        console.warn('replay failed', e);
        this.opts.onResync();
      }
    } finally {
      this.replaying = false;
      const pending = this.buffer.sort((a, b) => compareIds(a.id, b.id));
      this.buffer = [];
      for (const ev of pending) this.apply(ev);
    }
  }
}
