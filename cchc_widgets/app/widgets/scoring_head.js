// The scoring form's sticky header (part of scoring_form.js's view): unit, period and stage,
// the totals, the progress, what is saving, the filters; and what follows from the header
// for the rows — which show (the filter), which are locked, each section's points.

function setSaved(form, text, cls) {
  const s = form.head.querySelector(".cchc-saved");
  if (s) { s.textContent = text; s.dataset.state = cls || ""; }
}

function drawHead(form) {
  const { head, footer } = form;
  const st = form.state();
  const previous = head.querySelector(".cchc-saved");
  head.replaceChildren();
  const title = h("div", "cchc-title");
  title.append(h("span", "cchc-unit-name", st.unit_name), h("span", "cchc-period", ` · ${st.period_name} · `), h("span", "cchc-stage", st.stage_label));
  const figures = h("div", "cchc-figures");
  // a published figure: exactly the set's decimals (92,50 and 51,00), as the printed sheet and the workbook
  const fig = (x) => num(x, st.decimals, true);
  const total = h("span", "cchc-total", fig(st.total));
  // an appraisal under way: unappraised items count with the unit's own points, so no verdict yet
  figures.append(h("span", null, st.provisional ? "Tổng điểm tạm tính: " : "Tổng điểm: "), total, h("span", "cchc-max", ` / ${fig(st.max)}`));
  if (st.survey !== null && st.survey !== undefined) {
    figures.append(h("span", "cchc-survey", ` (gồm ${fig(st.survey)} điểm khảo sát)`));
  }
  if (st.bonus !== null && st.bonus !== undefined) { // the appraiser's bonus and penalty points, in the total
    figures.append(h("span", "cchc-adjustments", ` (thưởng +${fig(st.bonus)}, trừ −${fig(st.penalty)})`));
  }
  figures.append(h("span", null, " · Chỉ số: "), h("span", "cchc-index", st.index === null ? "—" : `${fig(st.index)} %`));
  figures.append(h("span", null, " · Xếp loại: "), h("span", "cchc-class", st.class || (st.provisional ? "chưa có (chưa thẩm định xong)" : "—")));
  const done = h("span", "cchc-head-done"); // on a phone the «Chưa chấm (n)» filter says it instead
  done.append(h("span", null, " · "), h("span", "cchc-completion", st.completion));
  figures.append(done);
  const saved = h("div", "cchc-saved", st.saved);
  if (previous && previous.dataset.state && previous.dataset.state !== "saved") {
    saved.textContent = previous.textContent;
    saved.dataset.state = previous.dataset.state;
  }
  const flow = h("div", st.workflow_said ? "cchc-workflow cchc-workflow-said" : "cchc-workflow");
  flow.append(h("span", "cchc-stage-state", st.workflow));
  if (st.submitted) flow.append(h("span", "cchc-submitted", ` · ${st.submitted}`));
  if (st.reply_window) flow.append(h("span", "cchc-reply-window", ` · ${st.reply_window}`));
  const progress = h("div", "cchc-progress"); // the unit's progress, on every screen (a phone too)
  progress.append(h("span", "cchc-progress-text", st.progress));
  if (st.can_submit) { // «Nộp» lives at the end of the form: the header only leads there
    const go = h("a", "cchc-to-submit", "Xem danh sách và nộp ↓");
    go.href = "#cchc-submit-box";
    go.addEventListener("click", (e) => { e.preventDefault(); footer.scrollIntoView({ block: "center" }); footer.querySelector("button")?.focus(); });
    progress.append(h("span", "cchc-to-submit-sep", " · "), go);
  }
  // a phone hides the set's name; a set that is not the published annex still says so there, in a badge
  const tag = st.criteria_tag ? [h("div", "cchc-set-tag", st.criteria_tag)] : [];
  head.append(title, figures, progress, flow, saved, h("div", "cchc-set", st.criteria_set), ...tag, filterBar(form, st));
  drawFooter(form, st);
  if (st.locked) head.append(h("div", "cchc-locked", `Chỉ xem: ${st.locked}`));
  applyLock(form);
}

// find the work: show only what is left (the kernel says which rows are; the page only hides)
function filterBar(form, st) {
  const bar = h("div", "cchc-filters");
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Lọc các mục");
  bar.append(h("span", "cchc-filters-label", "Hiện: "));
  const counts = st.counts || {};
  const choices = [
    ["all", `Tất cả (${st.leaves})`],
    ["todo", `Chưa chấm (${counts.todo || 0})`],
    ["no_evidence", `Thiếu tài liệu (${counts.no_evidence || 0})`],
    ["differs", `${st.stage === "appraisal" ? "Khác tự đánh giá" : "Khác kết quả thẩm định"} (${counts.differs || 0})`],
  ];
  for (const [key, text] of choices) {
    const b = h("button", `cchc-filter cchc-filter-${key}`, text);
    b.type = "button";
    b.setAttribute("aria-pressed", String(form.filter === key));
    b.addEventListener("click", () => {
      form.filter = key;
      showAddress(form);
      drawHead(form);
      applyFilter(form);
      form.head.querySelector(`.cchc-filter-${key}`).focus(); // the bar was redrawn: keep the keyboard where it was
    });
    bar.append(b);
  }
  return bar;
}

function showAddress(form) { // the app's address names what is open (not in JupyterLab, whose address it is not)
  if (!IN_VOILA) return;
  const st = form.state();
  const q = new URLSearchParams(window.location.search);
  q.set("unit", st.unit); q.set("period", st.period); q.set("stage", st.stage);
  if (form.filter === "all") q.delete("filter"); else q.set("filter", form.filter);
  window.history.replaceState(null, "", `${window.location.pathname}?${q}`);
}

function applyFilter(form) {
  const { body, filter } = form;
  const open = new Set(); // codes of the sections and criteria that keep a visible row
  let any = false;
  for (const r of form.rows.values()) {
    const keep = filter === "all" || (r.row && r.row.flags.includes(filter)) || r.el.contains(document.activeElement);
    r.el.hidden = !keep;
    if (keep) { any = true; for (const c of r.row.path) open.add(c); }
  }
  for (const sec of body.querySelectorAll(".cchc-section")) {
    sec.hidden = !sec.querySelector(".cchc-row:not([hidden])");
  }
  for (const sub of body.querySelectorAll(".cchc-criterion")) sub.hidden = !open.has(sub.dataset.code);
  form.empty.hidden = any;
}

// what the person may not change now is shown, and greyed out; the kernel refuses it anyway
function applyLock(form) {
  const st = form.state();
  const locked = !!st.locked;
  form.el.classList.toggle("cchc-readonly", locked);
  for (const r of form.rows.values()) {
    const { inputs, na } = r.ctl;
    const isNa = !!(na && na.checked);
    const fixed = locked || !r.entered; // a bonus or penalty is read in the unit's view, entered at the appraisal
    inputs.forEach((i) => (i.disabled = fixed || isNa));
    if (na) na.disabled = fixed;
    r.note.disabled = fixed;
    r.el.querySelectorAll(".cchc-upload, .cchc-file-remove").forEach((b) => (b.disabled = locked || !st.can_evidence));
  }
}

function sectionTitle(form, code) {
  const st = form.state();
  const s = st.sections[code];
  if (s && s.text) return s.text;
  if (!s) return "";
  const left = s.left ? ` · còn ${s.left} mục chưa chấm` : "";
  if (s.na) return `${st.words.na}${left}`; // nothing under it applies: «Không áp dụng» written out, not «0 / 0» or «KAD»
  return `${num(s.points, st.decimals, true)} / ${num(s.max, st.decimals, true)} điểm${left}`;
}
