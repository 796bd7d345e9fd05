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

// A figure rounded as a province publishes it, in the steps of Python's `core.numbers.rounded`
// (IEEE arithmetic alike on both sides): half away from zero on the decimal value a person reads
// (85,175 → 85,18), once binary noise is cleared at nine decimals; toFixed rounds that exactly.
function rounded(value, decimals) {
  const scale = 10 ** decimals;
  let size = Math.abs(value) * scale;
  if (Math.abs(value) < 1e6) size = Number(size.toFixed(Math.max(9 - decimals, 0)));
  if (size >= 2 ** 52) return value; // too large to hold a fraction
  return (value < 0 ? -1 : 1) * (Math.floor(size + 0.5) / scale);
}

// Numbers as a Vietnamese reader expects them, exactly as Python's `core.numbers.format_number`
// writes them (so a header total and a row's points read alike): decimal comma, thousands dot
// (`1.234,5`), at most `decimals` decimals and no trailing zeros (`fixed`: always `decimals`);
// `group` false for text a person may edit and send back. The figure is `rounded`, then written
// from its exact binary digits, half to even, as Python's format does (toFixed rounds a tie up,
// toLocaleString follows the browser's ICU).
function formatNumber(x, decimals = 2, group = true, fixed = false) {
  if (x === null || x === undefined || x === "") return "";
  const value = rounded(Number(x), decimals);
  if (!Number.isFinite(value) || Math.abs(value) >= 1e21) return ""; // never a score; toFixed turns exponential there
  const exact = Math.abs(value).toFixed(100); // every digit of the binary value (enough for |x| ≥ 1e-15; below, 0)
  const point = exact.indexOf(".");
  const digits = exact.slice(0, point) + exact.slice(point + 1, point + 1 + decimals); // kept, as an integer
  const rest = exact.slice(point + 1 + decimals);
  const last = Number(digits[digits.length - 1]);
  const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || last % 2 === 1));
  let kept = (BigInt(digits) + (up ? 1n : 0n)).toString().padStart(decimals + 1, "0");
  let integer = kept.slice(0, kept.length - decimals);
  let fraction = kept.slice(kept.length - decimals);
  if (!fixed) fraction = fraction.replace(/0+$/, "");
  if (group) integer = integer.replace(/\B(?=(\d{3})+$)/g, ".");
  const zero = /^[0.]*$/.test(integer) && /^0*$/.test(fraction); // no "-0"
  return `${value < 0 && !zero ? "-" : ""}${integer}${fraction ? `,${fraction}` : ""}`;
}

// A figure on a page: `formatNumber`, or "—" where there is none.
const num = (x, d = 2, fixed = false) => (x === null || x === undefined ? "—" : formatNumber(x, d, true, fixed));

// The connection to the kernel, said when it is lost. The kernel answers a ping every 2 s
// (each widget's `ping` → `pong`); with no word from it for 5 s — or what `patience()` says,
// longer while it may still be working on a file the page sent — the widget shows the notice
// at its top, marks itself `cchc-offline` and calls `onLost`. In Voilà it stays said: a
// kernel that went away does not come back to the page. In JupyterLab the kernel also runs
// the person's cells, and one that takes longer than the patience is busy, not gone: the
// notice lifts when the kernel speaks again. `link.offline` tells the app's senders;
// `link.stop()` ends the heartbeat when the view goes.
const LOST_TEXT = "Mất kết nối với máy chủ: những gì nhập từ lúc này CHƯA được lưu. Hãy tải lại trang (phím F5) rồi nhập lại.";
function watchConnection(model, el, { patience = () => 5000, onLost = () => {} } = {}) {
  let lastAnswer = Date.now();
  const link = { offline: false };
  const notice = h("div", "cchc-lost");
  notice.setAttribute("role", "alert");
  notice.hidden = true;
  el.prepend(notice);
  model.on("msg:custom", () => { // any word from the kernel says it is there
    lastAnswer = Date.now();
    if (link.offline && !IN_VOILA) {
      link.offline = false;
      notice.hidden = true;
      el.classList.remove("cchc-offline");
    }
  });
  const heartbeat = setInterval(() => {
    if (!link.offline && Date.now() - lastAnswer > patience()) {
      link.offline = true;
      notice.textContent = LOST_TEXT;
      notice.hidden = false;
      el.classList.add("cchc-offline");
      onLost();
    }
    try { model.send({ type: "ping" }); } catch (e) { /* the channel is closed: the notice above says so */ }
  }, 2000);
  link.stop = () => clearInterval(heartbeat);
  return link;
}
