// Who this tab is: its clientId, its role and token for a session, and the person's name.
//
// Tokens arrive only in the URL fragment (`#interviewer=…` or `#observer=…`), which browsers
// never send to a server. They are moved to sessionStorage (this tab only) and the fragment is
// cleared from the address bar, so the token is not left in history or on screen.

const NAME_KEY = "interview:name";
const CLIENT_KEY = "interview:clientId";

function randomId(bytes) {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** This tab's clientId (22 characters of base64url), kept across reloads of the tab. */
export function clientId() {
  let id = sessionStorage.getItem(CLIENT_KEY);
  if (id === null || !/^[A-Za-z0-9_-]{22,64}$/.test(id)) {
    id = randomId(16);
    sessionStorage.setItem(CLIENT_KEY, id);
  }
  return id;
}

/** A fresh clientId for this tab (after another tab took over the old one). */
export function renewClientId() {
  sessionStorage.removeItem(CLIENT_KEY);
  return clientId();
}

/** A random prefix unique to this page load, for opIds. */
export function pageNonce() {
  return randomId(6);
}

/** {role, token} for `sessionId`: from the fragment (then stored and cleared), else stored,
 * else a candidate without a token. */
export function credentials(sessionId) {
  const key = `interview:auth:${sessionId}`;
  const fragment = new URLSearchParams(location.hash.slice(1));
  for (const role of ["interviewer", "observer"]) {
    const token = fragment.get(role);
    if (token) {
      sessionStorage.setItem(key, JSON.stringify({ role, token }));
      history.replaceState(null, "", location.pathname + location.search);
      break;
    }
  }
  const stored = sessionStorage.getItem(key);
  if (stored !== null) {
    try {
      const { role, token } = JSON.parse(stored);
      if (typeof role === "string" && typeof token === "string") return { role, token };
    } catch {
      // fall through: a damaged entry means no token
    }
  }
  return { role: "candidate", token: null };
}

/** The person's remembered name, or null. */
export function savedName() {
  return localStorage.getItem(NAME_KEY);
}

export function saveName(name) {
  localStorage.setItem(NAME_KEY, name);
}
