// View of ScoringForm: plain DOM, no scoring logic. Every change is sent to the kernel,
// which validates, saves through the one write path and sends back the new state. Inputs
// are text (a person types 9,5 or 9.5; the kernel reads both), drawn from each row's
// `input` description; words (Có, Không, Không áp dụng) come in the state, not from here.
//
// The view is five files of one job each, put after page.js and before this one (page.py,
// scoring_form.py): scoring_top.js (selectors, buttons, reports), scoring_head.js (the sticky
// header, filters, locking), scoring_submit.js («Nộp» and its checklist), scoring_rows.js
// (sections and rows), scoring_sending.js (edits out, answers in). This one makes the parts
// and the one object they all share, `form`, which each of their functions takes first.

const LOST_SHORT = "Chưa lưu: mất kết nối với máy chủ";
const FILTERS = ["all", "todo", "no_evidence", "differs"];
const dash = (code) => code.replace(/\./g, "-");
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function render({ model, el }) {
  ensureShutdownToken();
  unclip(el);
  el.classList.add("cchc-form");
  // which rows show: all, or those the kernel flags todo / no_evidence / differs; a link's
  // `?filter=` opens on it (kept through sign-in with the rest of the address)
  const linked = IN_VOILA ? new URLSearchParams(window.location.search).get("filter") : null;
  const form = {
    model,
    el,
    state: () => model.get("state"),
    top: h("div", "cchc-top"),
    head: h("div", "cchc-head"),
    alert: h("div", "cchc-alert"),
    body: h("div", "cchc-body"),
    report: h("div", "cchc-report"),
    notice: h("div", "cchc-notice"),
    empty: h("p", "cchc-filter-empty", "Không còn mục nào trong bộ lọc này."),
    footer: h("section", "cchc-submit-box"), // the end of the form: what is left, and «Nộp»
    dialog: h("dialog", "cchc-submit-dialog"), // the checklist before «Nộp» (not a native confirm)
    confirm: h("dialog", "cchc-submit-dialog cchc-confirm-dialog"), // what asks before a file is removed
    rows: new Map(), // code -> the row's state (rowState in scoring_rows.js), in the form's order
    epoch: -1,
    author: localStorage.getItem("cchc-author") || "",
    inflight: 0, // changes sent and not yet answered
    heavySince: 0, // when this page last sent a file
    filter: FILTERS.includes(linked) ? linked : "all",
    refused: new Set(), // rows whose last change was refused and not yet put right
    noticeTimer: null,
    link: null, // the connection to the kernel (watchConnection)
  };
  form.notice.setAttribute("role", "status");
  form.report.style.display = "none";
  form.empty.hidden = true;
  form.footer.id = "cchc-submit-box";
  form.footer.hidden = true;
  form.dialog.setAttribute("aria-labelledby", "cchc-submit-title");
  form.confirm.setAttribute("aria-labelledby", "cchc-confirm-title");
  el.append(form.top, form.head, form.notice, form.alert, form.report, form.body, form.empty, form.footer, form.dialog, form.confirm);
  // 30 s of patience while the kernel may still be working on a file this page sent (a large
  // upload or import); an edit in flight does not lengthen the wait: a save answers well within 5 s
  form.link = watchConnection(model, el, {
    patience: () => (form.inflight > 0 && Date.now() - form.heavySince < 30000 ? 30000 : 5000),
    onLost: () => setSaved(form, LOST_SHORT, "error"),
  });
  model.on("msg:custom", (msg, buffers) => receive(form, msg, buffers));
  model.on("change:state", () => onState(form));
  model.on("change:rows", () => onRows(form));
  model.on("change:alert", () => drawAlert(form));
  drawAlert(form);
  if (model.get("state") && model.get("state").unit) onState(form);
  return () => form.link.stop();
}

function onState(form) {
  const { model, head, body } = form;
  const st = form.state();
  if (model.get("epoch") !== form.epoch) {
    if (form.epoch !== -1) form.filter = "all"; // another unit, period or stage: a filter chosen for the last one would hide rows here
    form.epoch = model.get("epoch");
    form.inflight = 0;
    form.refused.clear();
    head.replaceChildren(); // another unit, period or stage: no saving state carries over
    drawTop(form);
    drawHead(form);
    drawBody(form);
    applyLock(form);
    namePage(`${st.stage_label}: ${st.unit_name} — ${st.period_name}`);
    showAddress(form);
    return;
  }
  drawHead(form);
  for (const sum of body.querySelectorAll(".cchc-section-summary")) {
    if (sum.dataset.code) sum.querySelector(".cchc-section-points").textContent = sectionTitle(form, sum.dataset.code);
  }
  for (const sub of body.querySelectorAll(".cchc-criterion")) sub.querySelector(".cchc-criterion-points").textContent = sectionTitle(form, sub.dataset.code);
}

function onRows(form) {
  if (form.model.get("epoch") !== form.epoch) return; // a new selection: drawn by onState
  for (const row of form.model.get("rows")) {
    const r = form.rows.get(row.code);
    if (!r || (r.row && same(r.row, row))) continue;
    fillRow(form, r, row, false);
    r.row = row;
  }
  applyFilter(form);
}

export default { render };
