// The dashboard's shell: a tiny history router over the screens, the sign-in gate and the nav.
import './style.css';
import { api, setSession, signedIn, whenSignedOut } from './api.js';
import * as live from './live.js';
import { h, toast } from './ui.js';

const SCREENS = {
  '/login': () => import('./screens/login.js'),
  '/security': () => import('./screens/security.js'),
  '/portfolio': () => import('./screens/portfolio.js'),
  '/market': () => import('./screens/market.js'),
  '/plan': () => import('./screens/plan.js'),
  '/autoindex': () => import('./screens/autoindex.js'),
  '/news': () => import('./screens/news.js'),
  '/alerts': () => import('./screens/alerts.js'),
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let current = null;

// The live feed (web/src/live.js): its state in the header, and a badge on the Alerts link
// counting the alert events pushed while another screen is shown (with a toast).
const liveBox = document.getElementById('live-state');
const badge = document.getElementById('alert-badge');
const LIVE_WORDS = { open: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…', closed: 'Offline' };
live.onState((s, detail) => {
  liveBox.dataset.state = s;
  liveBox.textContent = `${LIVE_WORDS[s]}${detail ? ` (${detail})` : ''}`;
  liveBox.title = s === 'open' ? 'Alert events arrive as they fire' : 'Not connected to the live feed';
});
let unseen = 0;
function setUnseen(n) {
  unseen = n;
  badge.hidden = n === 0;
  badge.textContent = n ? ` ${n}` : '';
  badge.setAttribute('aria-label', `${n} new alert event${n === 1 ? '' : 's'}`);
}
live.onEvent((e) => {
  if (e.type !== 'alert') return;
  if (location.pathname === '/alerts') return;
  setUnseen(unseen + 1);
  toast(`Alert: ${e.symbol} went ${e.direction} ${e.threshold} (at ${e.value})`);
});

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  return render();
}

async function render() {
  let path = location.pathname.replace(/\/+$/, '') || '/';
  if (!signedIn() && path !== '/login') path = '/login';
  if (signedIn() && (path === '/login' || path === '/' || !(path in SCREENS))) path = '/portfolio';
  if (path !== location.pathname) history.replaceState(null, '', path);
  nav.hidden = !signedIn();
  liveBox.hidden = !signedIn();
  if (signedIn()) live.start();
  else live.stop();
  if (path === '/alerts') setUnseen(0);
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  current?.dispose?.();
  current = null;
  const view = h('div', { class: 'screen' });
  main.replaceChildren(view);
  const mod = await SCREENS[path]();
  current = (await mod.mount(view, { navigate })) ?? null;
  document.title = `Sextant · ${mod.title}`;
  // after a navigation, focus moves to the new screen (screen readers announce it); the first
  // load keeps the natural tab order (skip link, nav, screen)
  if (rendered) main.focus({ preventScroll: true });
  rendered = true;
}
let rendered = false;

document.addEventListener('click', (e) => {
  const a = e.target.closest?.('a[href^="/"]');
  if (!a || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', render);
document.getElementById('logout').addEventListener('click', async () => {
  try {
    await api('POST', '/v1/auth/logout');
  } catch {
    /* signed out anyway */
  }
  setSession(null);
  live.stop();
  navigate('/login');
});
whenSignedOut(() => navigate('/login', { replace: true }));

// Test and debugging hook: the last values each screen computed (documented in docs/web.md).
window.__sextant = { ready: false };
render().then(() => {
  window.__sextant.ready = true;
});
