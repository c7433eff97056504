// Desktop notifications (opt-in, the Notification API) and a sound for new customer messages in
// conversations assigned to this agent, or unassigned and Open. Both stay quiet while the
// conversation is open in a visible tab. The choices are per browser (localStorage).

import { h, contactLabel, preview, toast } from './dom.js';
import { api, enc } from './api.js';
import { state as S, dispatch } from './store.js';
import { openPopover } from './ui.js';
import { openConversation, watching } from './conversation.js';

const DESKTOP_KEY = 'switchboard.notify.desktop';
const SOUND_KEY = 'switchboard.notify.sound';

export const desktopOn = () => localStorage.getItem(DESKTOP_KEY) === 'on' && 'Notification' in window && Notification.permission === 'granted';
export const soundOn = () => localStorage.getItem(SOUND_KEY) === 'on';

/** The 🔔 menu: two switches. Turning notifications on asks the browser's permission. */
export function openNotifySettings(anchor) {
  const desktop = h('input', { type: 'checkbox', testid: 'notify-desktop', checked: desktopOn(), onchange: async (e) => {
    if (!e.target.checked) { localStorage.setItem(DESKTOP_KEY, 'off'); return; }
    if (!('Notification' in window)) { toast('This browser has no desktop notifications.'); e.target.checked = false; return; }
    const answer = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
    if (answer !== 'granted') { toast('The browser did not allow notifications.'); e.target.checked = false; return; }
    localStorage.setItem(DESKTOP_KEY, 'on');
  } });
  const sound = h('input', { type: 'checkbox', testid: 'notify-sound', checked: soundOn(),
    onchange: (e) => localStorage.setItem(SOUND_KEY, e.target.checked ? 'on' : 'off') });
  openPopover(anchor, [
    h('div', { class: 'menu-sep' }, 'New customer messages'),
    h('label', { class: 'check' }, desktop, ' Desktop notifications'),
    h('label', { class: 'check' }, sound, ' Sound'),
    h('span', { class: 'muted', style: 'font-size:12px;max-width:230px' }, 'For conversations assigned to you and unassigned Open ones; quiet while you are looking at the conversation.'),
  ], true);
}

/** Whether a customer message in this conversation is for this agent's attention. */
function concerns(c) {
  if (c.assignee) return c.assignee.type === 'agent' && String(c.assignee.id) === String(S.user.id);
  return c.status === 'open';
}

/** Called for every message.created event. */
export async function onMessageEvent(convId, m) {
  if (!m || m.direction !== 'in' || m.senderType !== 'contact' || !S.user) return;
  if (!desktopOn() && !soundOn()) return;
  if (watching(convId)) return;
  let c = S.convs.get(convId) || (S.current && S.current.id === convId ? S.current : null);
  try { c = await api.get(`/conversations/${enc(convId)}`); } catch (e) { if (!c) return; }
  if (!concerns(c) || watching(convId)) return;
  if (soundOn()) beep();
  if (desktopOn()) {
    const n = new Notification(contactLabel(c.contact) || 'New message', { body: preview(m), tag: `conversation-${convId}` });
    n.onclick = () => { window.focus(); openConversation(convId); n.close(); };
  }
  dispatch({ type: 'counter/bump', name: 'notified' }); // for the browser tests
}

let audio = null;
/** A short two-tone chime, made on the spot (no sound file to serve). */
function beep() {
  try {
    audio = audio || new AudioContext();
    const t = audio.currentTime;
    for (const [freq, at] of [[880, 0], [1320, 0.12]]) {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.frequency.value = freq;
      g.gain.setValueAtTime(0.08, t + at);
      g.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.25);
      o.connect(g).connect(audio.destination);
      o.start(t + at);
      o.stop(t + at + 0.3);
    }
  } catch (e) { /* no audio here */ }
}
