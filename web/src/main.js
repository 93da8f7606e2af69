// The dashboard's shell: a tiny history router over the screens, the sign-in gate and the nav.
import './style.css';
import { api, setSession, signedIn, whenSignedOut } from './api.js';
import { h } from './ui.js';

const SCREENS = {
  '/login': () => import('./screens/login.js'),
  '/security': () => import('./screens/security.js'),
  '/portfolio': () => import('./screens/portfolio.js'),
  '/market': () => import('./screens/market.js'),
  '/plan': () => import('./screens/plan.js'),
  '/autoindex': () => import('./screens/autoindex.js'),
  '/news': () => import('./screens/news.js'),
  // LIVE UPDATES (issue #16, not on main yet): an '/alerts' screen and the WebSocket client
  // (quotes, streaming indicators, alert events) plug in here and in index.html's nav; the
  // news screen marks where pushed items will appear. See docs/web.md, "Not done".
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let current = null;

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
  navigate('/login');
});
whenSignedOut(() => navigate('/login', { replace: true }));

// Test and debugging hook: the last values each screen computed (documented in docs/web.md).
window.__sextant = { ready: false };
render().then(() => {
  window.__sextant.ready = true;
});
