// Shared by the app widgets (prepended to each widget's module in Python).
//
// Voilà shuts a page's kernel down when the page is left: on `beforeunload` it posts
// `/voila/api/shutdown/<kernel>` with the `_xsrf` cookie's value as the form's `_xsrf`.
// Voilà's render page never sets that cookie, so a visitor who opened an app directly had
// every such request refused (403 "'_xsrf' argument missing") and each page view left a
// kernel behind. The check is tornado's double-submit one (cookie and form field must be
// equal), so the page sets a random token of its own when the server has not set one.
// In JupyterLab (the widget kit) the page is Lab's, not ours: nothing to do there.
const IN_VOILA = window.location.pathname.includes("/voila/");

// An element with its class and text: how every widget builds its DOM.
function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}
function ensureShutdownToken() {
  if (!IN_VOILA || /(^|;\s*)_xsrf=/.test(document.cookie)) return;
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const token = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  document.cookie = `_xsrf=${token}; path=/; SameSite=Strict`;
}

// A file the kernel sent ({type: "file", name, mime} with its bytes) saved by the browser.
function saveFile(msg, buffers) {
  const url = URL.createObjectURL(new Blob([buffers[0]], { type: msg.mime }));
  const a = document.createElement("a");
  a.href = url;
  a.download = msg.name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// A Voilà page is ours: it speaks Vietnamese and its tab says what is open (Voilà names it
// after the notebook file). In JupyterLab the page is Lab's and is left alone.
function namePage(title) {
  if (!IN_VOILA) return;
  document.documentElement.lang = "vi";
  document.title = `${title} · Chỉ số CCHC`;
}

// Lumino clips the output area a widget sits in (overflow: hidden/auto), which pins a sticky
// header inside it and cuts what reflows; the page's own ancestors are marked once instead of
// a CSS :has() rule, which made the browser recheck them on every redraw (slower edits).
function unclip(el, tries = 50) {
  if (!el.isConnected) { // the view is put into the page after it renders
    if (tries > 0) setTimeout(() => unclip(el, tries - 1), 100);
    return;
  }
  for (let e = el.parentElement; e && e.id !== "rendered_cells"; e = e.parentElement) {
    if (e.matches(".jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output")) e.classList.add("cchc-unclipped");
  }
}
