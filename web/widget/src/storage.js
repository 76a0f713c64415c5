// The conversation kept across page reloads, in sessionStorage only.
//
// sessionStorage ends with the tab, which suits a health topic on a shared computer better than
// deep-chat's own browserStorage (localStorage). We store data, never HTML: {role, text} or
// {role: 'ai', buttons: [{title, payload}]}; button markup is rebuilt and escaped on restore.

const PREFIX = 'clinic-chat:';
const KEYS = { token: PREFIX + 'token', transcript: PREFIX + 'transcript', open: PREFIX + 'open' };

function read(key) {
  try {
    return window.sessionStorage.getItem(key);
  } catch (error) {
    return null; // storage blocked: the chat still works, it just forgets on reload
  }
}

function write(key, value) {
  try {
    if (value === null) window.sessionStorage.removeItem(key);
    else window.sessionStorage.setItem(key, value);
  } catch (error) {
    /* quota or privacy mode: not fatal */
  }
}

function validButtons(buttons) {
  return (Array.isArray(buttons) ? buttons : []).filter(
    (b) => b && typeof b.title === 'string' && typeof b.payload === 'string',
  );
}

export function createStore(maxEntries) {
  return {
    token: () => read(KEYS.token),
    setToken: (token) => write(KEYS.token, token || null),
    wasOpen: () => read(KEYS.open) === '1',
    setOpen: (open) => write(KEYS.open, open ? '1' : '0'),
    transcript() {
      let saved;
      try {
        saved = JSON.parse(read(KEYS.transcript) || '[]');
      } catch (error) {
        saved = [];
      }
      if (!Array.isArray(saved)) return [];
      return saved
        .map((entry) => {
          if (!entry || typeof entry !== 'object') return null;
          const buttons = validButtons(entry.buttons);
          if (buttons.length) return { role: 'ai', buttons };
          if (typeof entry.text !== 'string' || !entry.text) return null;
          return { role: entry.role === 'user' ? 'user' : 'ai', text: entry.text };
        })
        .filter(Boolean);
    },
    append(entry) {
      const all = this.transcript();
      all.push(entry);
      write(KEYS.transcript, JSON.stringify(all.slice(-maxEntries)));
    },
    clear() {
      write(KEYS.token, null);
      write(KEYS.transcript, null);
    },
  };
}
