// View of ScoringForm: plain DOM, no scoring logic. Every change is sent to the kernel,
// which validates, saves through the one write path and sends back the new state. Inputs
// are text (a person types 9,5 or 9.5; the kernel reads both), drawn from each row's
// `input` description; words (Có, Không, Không áp dụng) come in the state, not from here.

const LOST_TEXT = "Mất kết nối với máy chủ: những gì nhập từ lúc này CHƯA được lưu. Hãy tải lại trang (phím F5) rồi nhập lại.";
const LOST_SHORT = "Chưa lưu: mất kết nối với máy chủ";

// a published figure: exactly the set's decimals (92,50 and 51,00), as the printed sheet and the workbook
const fig = (x, d) => (x === null || x === undefined ? "—" : Number(x).toLocaleString("vi-VN", { minimumFractionDigits: d, maximumFractionDigits: d }));
const dash = (code) => code.replace(/\./g, "-");
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function render({ model, el }) {
  ensureShutdownToken();
  unclip(el);
  el.classList.add("cchc-form");
  const top = h("div", "cchc-top");
  const head = h("div", "cchc-head");
  const alert = h("div", "cchc-alert");
  const body = h("div", "cchc-body");
  const report = h("div", "cchc-report");
  const notice = h("div", "cchc-notice");
  notice.setAttribute("role", "status");
  report.style.display = "none";
  const empty = h("p", "cchc-filter-empty", "Không còn mục nào trong bộ lọc này.");
  empty.hidden = true;
  const footer = h("section", "cchc-submit-box"); // the end of the form: what is left, and «Nộp»
  footer.id = "cchc-submit-box";
  footer.hidden = true;
  const dialog = h("dialog", "cchc-submit-dialog"); // the checklist before «Nộp» (not a native confirm)
  dialog.setAttribute("aria-labelledby", "cchc-submit-title");
  el.append(top, head, notice, alert, report, body, empty, footer, dialog);
  let noticeTimer = null;
  function showNotice(text) { // a colleague's change arrived: say who, without touching what is typed
    notice.textContent = text;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { notice.textContent = ""; }, 10000);
  }
  let epoch = -1;
  let shown = new Map(); // code -> row last drawn
  const rowEls = new Map();
  const timers = new Map();
  let author = localStorage.getItem("cchc-author") || "";
  let inflight = 0; // changes sent and not yet answered
  const FILTERS = ["all", "todo", "no_evidence", "differs"];
  // which rows show: all, or those the kernel flags todo / no_evidence / differs; a link's
  // `?filter=` opens on it (kept through sign-in with the rest of the address)
  const linked = IN_VOILA ? new URLSearchParams(window.location.search).get("filter") : null;
  let filter = FILTERS.includes(linked) ? linked : "all";
  const refused = new Set(); // rows whose last change was refused and not yet put right
  const refusedText = () => `Chưa lưu: ${refused.size} ô bị từ chối`;

  const state = () => model.get("state");
  const setSaved = (text, cls) => {
    const s = head.querySelector(".cchc-saved");
    if (s) { s.textContent = text; s.dataset.state = cls || ""; }
  };

  // ---------------------------------------------------------------- top: selectors, author
  function drawTop() {
    const st = state();
    top.replaceChildren();
    const pick = (label, cls, options, current) => {
      const wrap = h("label", "cchc-pick", label);
      const sel = h("select", cls);
      for (const [id, name] of options) {
        const o = h("option", null, name);
        o.value = id;
        o.selected = id === current;
        sel.append(o);
      }
      sel.addEventListener("change", () => send_select());
      wrap.append(sel);
      top.append(wrap);
      return sel;
    };
    const ch = st.choices || { periods: [], units: [], stages: [] };
    const period = pick("Kỳ đánh giá", "cchc-select-period", ch.periods, st.period);
    const unit = pick("Đơn vị", "cchc-select-unit", ch.units, st.unit);
    const stage = pick("Giai đoạn", "cchc-select-stage", ch.stages, st.stage);
    function send_select() {
      model.send({ type: "select", period: period.value, unit: unit.value, stage: stage.value });
    }
    if (st.user) {
      // signed in: the server knows who this is; the change log takes the account, not a typed name
      const who = h("div", "cchc-user");
      who.append(h("span", "cchc-user-name", `${st.user.name} (${st.user.role})`));
      const out = h("a", "cchc-sign-out", "Đăng xuất");
      out.href = `${window.location.pathname.split("voila/render")[0]}logout`;
      who.append(document.createTextNode(" · "), out);
      top.append(who);
    } else {
      const who = h("label", "cchc-pick", "Người chấm");
      const input = h("input", "cchc-author");
      input.placeholder = "Họ tên, chức vụ";
      input.value = author;
      input.addEventListener("input", () => { author = input.value; localStorage.setItem("cchc-author", author); });
      who.append(input);
      top.append(who);
    }
    if (st.can_export && st.user) {
      const log = h("button", "cchc-log", "Tải nhật ký thay đổi");
      log.title = "Mọi thay đổi của cả kỳ: thời gian, người, đơn vị, mã, giai đoạn, cũ → mới, lý do";
      log.addEventListener("click", () => model.send({ type: "log" }));
      top.append(log);
    }
    if (st.can_export) {
      const download = h("button", "cchc-export", "Tải sổ kết quả (Excel)");
      download.title = "Sổ kết quả của cả kỳ: bảng tổng hợp, từng đơn vị, các kịch bản";
      download.addEventListener("click", () => model.send({ type: "export" }));
      top.append(download);
    }
    const print = h("button", "cchc-print", "In phiếu chấm điểm (PDF)");
    print.title = "Phiếu của đơn vị và giai đoạn đang mở: mọi tiêu chí, điểm, ghi chú, tài liệu, lý do, tổng điểm và chỗ ký";
    print.addEventListener("click", () => model.send({ type: "sheet" }));
    top.append(print);
    const sheet = h("button", "cchc-template", "Tải mẫu phiếu Excel");
    sheet.title = "Phiếu của đơn vị đang mở, đã điền sẵn những gì đã chấm; gửi lại để nhập";
    sheet.addEventListener("click", () => model.send({ type: "template" }));
    top.append(sheet);
    top.append(uploader("cchc-import-scores", "Nhập phiếu Excel đã điền", "import_scores",
      "Phiếu tự đánh giá / thẩm định đã điền (mẫu tải ở trên) hoặc bảng điểm .csv/.xlsx; tệp có lỗi không được lưu"));
    if (st.stage === "appraisal" && st.has_survey && st.can_survey) {
      const blank = h("button", "cchc-survey-template", "Tải mẫu phiếu khảo sát");
      blank.title = "Bảng trống có danh sách đơn vị, câu hỏi và đáp án; điền xong thì nhập ở nút bên cạnh";
      blank.addEventListener("click", () => model.send({ type: "survey_template" }));
      top.append(blank);
      top.append(uploader("cchc-import-survey", "Nhập phiếu khảo sát", "import_survey",
        "Bảng .xlsx/.csv: đơn vị, phiếu, nhóm, câu hỏi, trả lời (A–D) — một dòng cho mỗi người × câu hỏi"));
    }
    top.append(h("p", "cchc-limits", `Tài liệu kiểm chứng: ${st.limits}.`)); // said once, not on every row
  }

  // a button that sends the chosen file to the kernel, which checks it whole and answers with a report
  function uploader(cls, text, type, title) {
    const label = h("label", `cchc-button ${cls}`, text);
    label.title = title;
    const input = h("input", `${cls}-file cchc-visually-hidden`); // reached by the keyboard, named by the label
    input.type = "file";
    input.accept = ".xlsx,.csv";
    input.addEventListener("change", async () => {
      const file = input.files[0];
      if (!file) return;
      showReport({ ok: true, message: `Đang kiểm tra '${file.name}'…`, problems: [] });
      heavySince = Date.now();
      inflight += 1; // answered by a report: until then the kernel may be busy with the file (30 s of patience)
      model.send({ type, name: file.name, author }, undefined, [await file.arrayBuffer()]);
      input.value = "";
    });
    label.append(input);
    return label;
  }

  function showReport(msg) {
    report.replaceChildren();
    report.className = `cchc-report ${msg.ok ? "cchc-report-ok" : "cchc-report-refused"}`;
    const close = h("button", "cchc-report-close", "×");
    close.title = "Đóng";
    close.setAttribute("aria-label", "Đóng thông báo");
    close.addEventListener("click", () => { report.style.display = "none"; });
    report.append(close, h("div", "cchc-report-message", msg.message));
    if (msg.problems.length) {
      const list = h("ul", "cchc-report-problems");
      for (const line of msg.problems) list.append(h("li", null, line));
      report.append(list);
    }
    report.style.display = "block";
  }

  // ---------------------------------------------------------------- header: totals, state
  function drawHead() {
    const st = state();
    const previous = head.querySelector(".cchc-saved");
    head.replaceChildren();
    const title = h("div", "cchc-title");
    title.append(h("span", "cchc-unit-name", st.unit_name), h("span", "cchc-period", ` · ${st.period_name} · `), h("span", "cchc-stage", st.stage_label));
    const figures = h("div", "cchc-figures");
    const d = st.decimals; // the criteria set's published decimals
    const total = h("span", "cchc-total", fig(st.total, d));
    // an appraisal under way: unappraised items count with the unit's own points, so no verdict yet
    figures.append(h("span", null, st.provisional ? "Tổng điểm tạm tính: " : "Tổng điểm: "), total, h("span", "cchc-max", ` / ${fig(st.max, d)}`));
    if (st.survey !== null && st.survey !== undefined) {
      figures.append(h("span", "cchc-survey", ` (gồm ${fig(st.survey, d)} điểm khảo sát)`));
    }
    if (st.bonus !== null && st.bonus !== undefined) { // the appraiser's bonus and penalty points, in the total
      figures.append(h("span", "cchc-adjustments", ` (thưởng +${fig(st.bonus, d)}, trừ −${fig(st.penalty, d)})`));
    }
    figures.append(h("span", null, " · Chỉ số: "), h("span", "cchc-index", st.index === null ? "—" : `${fig(st.index, d)} %`));
    figures.append(h("span", null, " · Xếp loại: "), h("span", "cchc-class", st.class || (st.provisional ? "chưa có (chưa thẩm định xong)" : "—")));
    const done = h("span", "cchc-head-done"); // on a phone the «Chưa chấm (n)» filter says it instead
    done.append(h("span", null, " · "), h("span", "cchc-completion", st.completion));
    figures.append(done);
    const saved = h("div", "cchc-saved", st.saved);
    if (previous && previous.dataset.state && previous.dataset.state !== "saved") {
      saved.textContent = previous.textContent;
      saved.dataset.state = previous.dataset.state;
    }
    const flow = h("div", "cchc-workflow");
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
    head.append(title, figures, progress, flow, saved, h("div", "cchc-set", st.criteria_set), filterBar(st));
    drawFooter(st);
    if (st.locked) head.append(h("div", "cchc-locked", `Chỉ xem: ${st.locked}`));
    applyLock();
  }

  // ---------------------------------------------------------------- submitting, with a checklist
  function checklistText(list) {
    const parts = [];
    if (list.unscored.length) parts.push(`${list.unscored.length} mục chưa chấm`);
    if (list.lacking.length) parts.push(`${list.lacking.length} mục thiếu tài liệu kiểm chứng`);
    return parts.join(", ");
  }

  function drawFooter(st) {
    footer.replaceChildren();
    footer.hidden = !st.can_submit;
    if (!st.can_submit) { if (dialog.open) dialog.close(); return; }
    const list = st.checklist;
    footer.append(h("h3", null, "Nộp bản tự đánh giá"), h("p", "cchc-submit-state", list.ok
      ? "Mọi mục đã chấm và có tài liệu kiểm chứng hoặc giải trình: có thể nộp."
      : `Chưa nộp được: còn ${checklistText(list)}.`));
    const open = h("button", "cchc-submit", "Nộp bản tự đánh giá…");
    open.type = "button";
    open.addEventListener("click", () => { drawDialog(); dialog.showModal(); });
    footer.append(open);
    if (dialog.open) drawDialog(); // a colleague's change arrives while it is open: the list follows
  }

  // one item of the checklist: a link that shows the form's filter and the row
  function itemLink(item, key) {
    const li = h("li");
    const a = h("a", "cchc-checklist-item", `${item.code}. ${item.name}`);
    a.href = `#cchc-row-${item.code}`;
    a.dataset.code = item.code;
    a.addEventListener("click", (e) => {
      e.preventDefault();
      dialog.close();
      filter = key;
      drawHead();
      applyFilter();
      const row = rowEls.get(item.code);
      if (row) { row.scrollIntoView({ block: "center" }); (row.querySelector("input, select, textarea") || row).focus(); }
    });
    li.append(a);
    return li;
  }

  function drawDialog() {
    const list = state().checklist;
    dialog.replaceChildren();
    if (!list) return;
    const title = h("h3", null, "Nộp bản tự đánh giá");
    title.id = "cchc-submit-title";
    dialog.append(title);
    dialog.append(h("p", "cchc-checklist-summary", list.ok
      ? `Sau khi nộp, ${state().unit_name} không sửa được bản tự đánh giá nữa (Sở Nội vụ mở lại nếu cần, có ghi lý do); Sở Nội vụ bắt đầu thẩm định.`
      : `Chưa nộp được: còn ${checklistText(list)}. Chọn một mục để đến chỗ cần sửa.`));
    const group = (cls, heading, items, key) => {
      if (!items.length) return;
      const box = h("div", cls);
      box.append(h("h4", null, `${heading} (${items.length})`));
      const ul = h("ul");
      for (const item of items) ul.append(itemLink(item, key));
      box.append(ul);
      dialog.append(box);
    };
    group("cchc-checklist-unscored", "Chưa chấm", list.unscored, "todo");
    group("cchc-checklist-lacking", "Thiếu tài liệu kiểm chứng (tải tệp lên hoặc ghi giải trình)", list.lacking, "no_evidence");
    if (list.allowed.length) {
      const box = h("div", "cchc-checklist-allowed");
      box.append(h("h4", null, `Bộ tiêu chí cho phép nộp khi còn thiếu (${list.allowed.length})`));
      const ul = h("ul");
      for (const item of list.allowed) ul.append(h("li", null, `${item.code}. ${item.name}: ${item.missing}`));
      box.append(ul);
      dialog.append(box);
    }
    const buttons = h("div", "cchc-dialog-buttons");
    const go = h("button", "cchc-submit-confirm", "Nộp");
    go.type = "button";
    go.disabled = !list.ok;
    go.addEventListener("click", () => { dialog.close(); inflight += 1; model.send({ type: "submit" }); });
    const cancel = h("button", "cchc-submit-cancel", "Để sau");
    cancel.type = "button";
    cancel.addEventListener("click", () => dialog.close());
    buttons.append(go, cancel);
    dialog.append(buttons);
  }

  // find the work: show only what is left (the kernel says which rows are; the page only hides)
  function filterBar(st) {
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
      b.setAttribute("aria-pressed", String(filter === key));
      b.addEventListener("click", () => {
        filter = key;
        showAddress();
        drawHead();
        applyFilter();
        head.querySelector(`.cchc-filter-${key}`).focus(); // the bar was redrawn: keep the keyboard where it was
      });
      bar.append(b);
    }
    return bar;
  }

  function showAddress() { // the app's address names what is open (not in JupyterLab, whose address it is not)
    if (!IN_VOILA) return;
    const st = state();
    const q = new URLSearchParams(window.location.search);
    q.set("unit", st.unit); q.set("period", st.period); q.set("stage", st.stage);
    if (filter === "all") q.delete("filter"); else q.set("filter", filter);
    window.history.replaceState(null, "", `${window.location.pathname}?${q}`);
  }

  function applyFilter() {
    const open = new Set(); // codes of the sections and criteria that keep a visible row
    let any = false;
    for (const [code, el] of rowEls) {
      const row = shown.get(code);
      const keep = filter === "all" || (row && row.flags.includes(filter)) || el.contains(document.activeElement);
      el.hidden = !keep;
      if (keep) { any = true; for (const c of row.path) open.add(c); }
    }
    for (const sec of body.querySelectorAll(".cchc-section")) {
      sec.hidden = !sec.querySelector(".cchc-row:not([hidden])");
    }
    for (const sub of body.querySelectorAll(".cchc-criterion")) sub.hidden = !open.has(sub.dataset.code);
    empty.hidden = any;
  }

  // what the person may not change now is shown, and greyed out; the kernel refuses it anyway
  function applyLock() {
    const locked = !!state().locked;
    el.classList.toggle("cchc-readonly", locked);
    for (const row of rowEls.values()) {
      const { inputs, na } = row._ctl;
      const isNa = !!(na && na.checked);
      const fixed = locked || !row._entered; // a bonus or penalty is read in the unit's view, entered at the appraisal
      inputs.forEach((i) => (i.disabled = fixed || isNa));
      if (na) na.disabled = fixed;
      row._note.disabled = fixed;
      row.querySelectorAll(".cchc-upload, .cchc-file-remove").forEach((b) => (b.disabled = locked || !state().can_evidence));
    }
  }

  function drawAlert() {
    alert.textContent = model.get("alert") || "";
    alert.style.display = model.get("alert") ? "block" : "none";
  }

  // ---------------------------------------------------------------- body: sections and rows
  function sectionTitle(code) {
    const s = state().sections[code];
    if (s && s.text) return s.text;
    if (!s) return "";
    const left = s.left ? ` · còn ${s.left} mục chưa chấm` : "";
    if (s.na) return `${state().words.na}${left}`; // nothing under it applies: «Không áp dụng» written out, not «0 / 0» or «KAD»
    const d = state().decimals;
    return `${fig(s.points, d)} / ${fig(s.max, d)} điểm${left}`;
  }

  function drawBody() {
    body.replaceChildren();
    rowEls.clear();
    shown = new Map();
    let section = null;
    let sectionCode = null;
    let lastPath = [];
    for (const row of model.get("rows")) {
      const topCode = row.path.length ? row.path[0] : "";
      if (section === null || topCode !== sectionCode) {
        sectionCode = topCode;
        section = h("details", `cchc-section cchc-section-${dash(topCode || "items")}`);
        section.open = true;
        const sum = h("summary", "cchc-section-summary");
        const s = state().sections[topCode];
        const name = !topCode ? "Các mục chấm điểm" : s.title || `${topCode}. ${s.name}`;
        sum.append(h("span", "cchc-section-title", name), h("span", "cchc-section-points", topCode ? sectionTitle(topCode) : ""));
        sum.dataset.code = topCode;
        section.append(sum);
        body.append(section);
        lastPath = [topCode];
      }
      row.path.forEach((code, depth) => {
        if (depth === 0 || lastPath[depth] === code) return;
        const sub = h("div", `cchc-criterion cchc-level-${depth + 1}`);
        sub.dataset.code = code;
        sub.append(h("span", "cchc-criterion-title", `${code}. ${state().sections[code].name}`), h("span", "cchc-criterion-points", sectionTitle(code)));
        section.append(sub);
      });
      lastPath = row.path;
      const el = drawRow(row);
      section.append(el);
      rowEls.set(row.code, el);
      fillRow(el, row, true);
      shown.set(row.code, row);
    }
    applyFilter();
  }

  function control(row) {
    const box = h("div", "cchc-control");
    const spec = row.input;
    let inputs = [];
    const textInput = (cls, label) => {
      const inp = h("input", cls);
      inp.type = "text";
      inp.inputMode = "decimal";
      inp.autocomplete = "off";
      inp.title = label;
      inp.placeholder = label;
      inp.setAttribute("aria-label", `${row.code}: ${label}`);
      inp.addEventListener("input", () => later(row.code));
      inp.addEventListener("change", () => commit(row.code));
      return inp;
    };
    if (spec.widget === "choice") {
      const sel = h("select", "cchc-input");
      sel.setAttribute("aria-label", `${row.code}: ${spec.placeholder}`);
      for (const [v, label] of [["", spec.placeholder], ...spec.choices.map((c) => [c, c])]) {
        const o = h("option", null, label);
        o.value = v;
        sel.append(o);
      }
      sel.addEventListener("change", () => commit(row.code));
      inputs = [sel];
      box.append(sel);
    } else if (spec.widget === "pair") {
      inputs = spec.labels.map((label, k) => {
        const inp = textInput(`cchc-input ${k === 0 ? "cchc-done" : "cchc-planned"}`, label);
        const lab = h("label", "cchc-pair-label", label);
        lab.append(inp);
        box.append(lab);
        return inp;
      });
      for (const inp of inputs) { // leaving the pair with one number: nothing is saved, and the row says so
        inp.addEventListener("blur", (ev) => {
          if (inputs.includes(ev.relatedTarget) || collect(row.code) !== undefined) return;
          showError(row.code, `Chưa lưu: nhập cả «${spec.labels[0]}» và «${spec.labels[1]}»`);
        });
      }
    } else {
      const inp = textInput("cchc-input", spec.placeholder || "");
      inputs = [inp];
      box.append(inp);
      if (spec.suffix) box.append(h("span", "cchc-unit", ` ${spec.suffix}`));
    }
    let na = null;
    if (row.allow_na) {
      const lab = h("label", "cchc-na-label", ` ${state().words.na}`);
      na = h("input", "cchc-na");
      na.type = "checkbox";
      na.addEventListener("change", () => { inputs.forEach((i) => (i.disabled = na.checked)); commit(row.code); });
      lab.prepend(na);
      box.append(lab);
    }
    return { box, inputs, na };
  }

  function drawRow(row) {
    const el = h("div", `cchc-row cchc-row-${dash(row.code)}${row.kind ? ` cchc-row-${row.kind}` : ""}`);
    el.dataset.code = row.code;
    const main = h("div", "cchc-row-main");
    const name = h("div", "cchc-name");
    name.append(h("span", "cchc-code", row.code), h("span", "cchc-name-text", ` ${row.name}`), h("span", "cchc-badge"));
    name.append(h("div", "cchc-how", `Cách chấm: ${row.how}`));
    if (row.evidence) name.append(h("div", "cchc-hint", `Tài liệu kiểm chứng: ${row.evidence}`));
    const ctl = control(row);
    const err = h("div", "cchc-field-error");
    ctl.box.append(err);
    const pts = h("div", "cchc-points");
    pts.append(h("span", "cchc-row-points", ""), h("span", "cchc-row-max", ` / ${row.max_shown}`));
    main.append(name, ctl.box, pts);
    const extra = h("div", "cchc-row-extra");
    const other = h("div", "cchc-other");
    const note = h("textarea", "cchc-note");
    note.rows = 1;
    note.placeholder = row.kind
      ? "Lý do (bắt buộc): quyết định, sự việc, văn bản"
      : state().stage === "appraisal" ? "Lý do (bắt buộc khi khác điểm tự đánh giá)" : "Ghi chú / giải trình (bắt buộc nếu thiếu tài liệu kiểm chứng)";
    note.setAttribute("aria-label", `${row.code}: ${note.placeholder}`);
    note.addEventListener("change", () => commit(row.code));
    const files = h("div", "cchc-files");
    const hist = h("button", "cchc-history-button", "Lịch sử");
    hist.title = "Ai đã sửa, lúc nào, từ giá trị nào sang giá trị nào, vì sao";
    hist.setAttribute("aria-expanded", "false");
    hist.addEventListener("click", () => {
      const box = el.querySelector(".cchc-history");
      if (box.childElementCount) { box.replaceChildren(); hist.setAttribute("aria-expanded", "false"); return; }
      model.send({ type: "history", code: row.code });
    });
    const changed = h("div", "cchc-changed");
    changed.setAttribute("role", "alert");
    const reply = h("textarea", "cchc-reply");
    reply.rows = 2;
    reply.placeholder = "Giải trình của đơn vị về kết quả thẩm định tiêu chí này";
    reply.setAttribute("aria-label", `${row.code}: giải trình về kết quả thẩm định`);
    reply.addEventListener("change", () => send({ type: "reply", code: row.code, text: reply.value, author }));
    extra.append(other, note, files, reply, hist, changed, h("div", "cchc-history"));
    el.append(main, extra);
    el.addEventListener("input", (ev) => { if (!ev.target.classList.contains("cchc-upload")) el._dirty = true; });
    if (row.kind) files.style.display = "none"; // evidence belongs to the unit's self-assessment
    if (!row.entered) { ctl.box.style.display = "none"; note.style.display = "none"; } // the unit reads the appraiser's entry
    el._ctl = ctl;
    el._note = note;
    el._entered = row.entered;
    return el;
  }

  function setInputs(el, row) {
    const { inputs, na } = el._ctl;
    const mine = row.mine;
    const isNa = !!(mine && mine.na);
    el._version = mine ? mine.version : 0; // what the person sees is this version: edits are made against it
    if (na) na.checked = isNa;
    inputs.forEach((i) => (i.disabled = isNa || !!state().locked || !el._entered));
    el._note.disabled = !!state().locked || !el._entered;
    el._note.value = mine ? mine.note : "";
    const texts = mine && !isNa ? mine.inputs : [];
    inputs.forEach((i, k) => (i.value = texts[k] === undefined ? "" : texts[k]));
  }

  function fillRow(el, row, force) {
    const old = shown.get(row.code);
    // never overwrite what a person is typing: a saved value only replaces the inputs of a
    // row that has no unsent edits and no focus
    const busy = el._dirty || el.contains(document.activeElement);
    if (force || ((!old || !same(old.mine, row.mine)) && !busy)) setInputs(el, row);
    const mine = row.entered ? row.mine : row.other; // the unit's view of a bonus or penalty: the appraiser's
    const none = row.kind ? "0" : "chưa chấm"; // no bonus or penalty entered: none given
    el.querySelector(".cchc-row-points").textContent = mine && mine.scored ? (mine.na ? state().words.na : mine.points_shown) : none; // N/A: in words
    el.classList.toggle("cchc-scored", !!(mine && mine.scored));
    const differs = row.flags.includes("differs"); // marked in words, not by colour alone
    el.classList.toggle("cchc-row-differs", differs);
    el.querySelector(".cchc-badge").textContent = [row.mark, row.lacking].filter(Boolean).map((w) => ` ${w}`).join(" ·"); // the kernel's words
    const other = el.querySelector(".cchc-other");
    other.replaceChildren();
    const o = row.other;
    if (row.kind) {
      if (o && o.scored) { // the unit's view of the appraiser's bonus or penalty
        other.append(h("span", "cchc-other-label", "Kết quả thẩm định: "), h("span", "cchc-appraisal-value", `${o.points_shown} điểm`));
        if (o.note) other.append(h("span", "cchc-appraisal-reason", ` · Lý do: ${o.note}`));
      }
    } else if (state().stage === "appraisal") {
      other.append(h("span", "cchc-other-label", "Đơn vị tự đánh giá: "));
      if (o && o.scored) {
        other.append(h("span", "cchc-self-value", o.na ? state().words.na : `${o.shown} → ${o.points_shown} điểm`));
        if (o.note) other.append(h("span", "cchc-self-note", ` · Ghi chú: ${o.note}`));
      } else other.append(h("span", "cchc-self-value", "chưa chấm"));
    } else if (o && o.scored) {
      other.append(h("span", "cchc-other-label", "Kết quả thẩm định: "));
      other.append(h("span", "cchc-appraisal-value", o.na ? state().words.na : `${o.points_shown} điểm`));
      if (o.note) other.append(h("span", "cchc-appraisal-reason", ` · Lý do: ${o.note}`));
      other.classList.toggle("cchc-differs", differs || !(mine && mine.scored)); // the kernel's flag, or nothing of the unit's yet
    }
    // the unit's reply to its appraisal: written in its own view while the window is open, read by the appraiser
    const reply = el.querySelector(".cchc-reply");
    const st = state();
    const canReply = st.stage !== "appraisal" && st.reply_open && o && o.scored;
    reply.style.display = canReply ? "" : "none";
    if (canReply && document.activeElement !== reply) reply.value = row.reply ? row.reply.text : "";
    if (row.reply && !canReply) {
      const who = st.stage === "appraisal" ? "Đơn vị giải trình" : "Giải trình đã gửi";
      other.append(h("div", "cchc-reply-text", `${who} (${row.reply.author}): ${row.reply.text}`));
    }
    drawFiles(el.querySelector(".cchc-files"), row);
    const fixed = !!st.locked || !st.can_evidence;
    el.querySelectorAll(".cchc-upload, .cchc-file-remove").forEach((b) => (b.disabled = fixed));
  }

  function drawFiles(box, row) {
    box.replaceChildren(h("span", "cchc-files-label", "Tài liệu: "));
    if (!row.files.length) box.append(h("span", "cchc-no-files", "chưa có "));
    for (const f of row.files) {
      const a = h("a", "cchc-file", f.name);
      a.href = "#";
      a.dataset.id = f.id;
      a.title = `${(f.size / 1024).toFixed(0)} KB — bấm để tải về`;
      a.addEventListener("click", (ev) => { ev.preventDefault(); model.send({ type: "download", id: f.id, code: row.code }); });
      const rm = h("button", "cchc-file-remove", "×");
      rm.title = "Gỡ tài liệu";
      rm.setAttribute("aria-label", `Gỡ tài liệu ${f.name}`);
      rm.addEventListener("click", () => send({ type: "remove_file", id: f.id, code: row.code, author }));
      box.append(a, rm, h("span", null, " "));
    }
    const pick = h("label", "cchc-button cchc-upload-label", "Tải tài liệu lên");
    pick.title = `Tài liệu kiểm chứng cho ${row.code} (${state().limits})`;
    const up = h("input", "cchc-upload cchc-visually-hidden"); // focusable, named by its label; no "Choose Files"
    up.type = "file";
    up.multiple = true;
    pick.append(up);
    up.addEventListener("change", async () => {
      const st = state();
      for (const file of up.files) {
        if (file.size > st.max_bytes) { showError(row.code, `Tệp '${file.name}' quá lớn (${st.limits})`, "upload"); continue; }
        send({ type: "upload", code: row.code, name: file.name, author }, [await file.arrayBuffer()]);
      }
      up.value = "";
    });
    box.append(pick);
  }

  // ---------------------------------------------------------------- sending
  function collect(code) {
    const el = rowEls.get(code);
    const row = shown.get(code);
    const { inputs, na } = el._ctl;
    if (na && na.checked) return state().words.na;
    if (row.input.widget === "pair") {
      const [d, p] = inputs.map((i) => i.value.trim());
      if (!d && !p) return "";
      if (!d || !p) return undefined; // half a pair: wait for the other number
      return { done: d, planned: p };
    }
    return inputs[0].value.trim();
  }

  function send(payload, buffers) {
    if (buffers) heavySince = Date.now(); // an evidence file: the kernel may be busy with it a while
    if (offline) { setSaved(LOST_SHORT, "error"); return; } // nothing typed after the loss is reported as saving
    inflight += 1;
    setSaved("Đang lưu…", "pending");
    model.send(payload, undefined, buffers);
  }

  function later(code) {
    clearTimeout(timers.get(code));
    timers.set(code, setTimeout(() => commit(code), 500));
  }

  function commit(code) {
    clearTimeout(timers.get(code));
    const el = rowEls.get(code);
    if (el._waiting) { el._queued = true; return; } // one edit of a row at a time: the next carries the new version
    const value = collect(code);
    if (value === undefined) return;
    el._dirty = false;
    const payload = { type: "edit", code, value, note: el._note.value, author, version: el._version };
    if (same(payload, el._sent)) return;
    el._sent = payload;
    el._waiting = true;
    send(payload);
  }

  function answered(code, saved) {
    const el = rowEls.get(code);
    if (!el) return;
    const row = shown.get(code);
    if (saved) el._version = row && row.mine ? row.mine.version : 0; // our own save: the page now holds it
    if (saved && el._sent) el._sent = { ...el._sent, version: el._version }; // the same value again is no new edit
    el._waiting = false;
    if (el._queued) { el._queued = false; commit(code); }
  }

  // a refused value ("edit") stays to be put right, counted in the header; a refused file leaves the saved value
  function showError(code, message, kind = "edit") {
    const el = rowEls.get(code);
    if (!el) { alert.textContent = message; alert.style.display = "block"; return; }
    el.classList.add("cchc-invalid"); // the typed value stays to be put right; the points say they are the saved ones
    el.querySelector(".cchc-field-error").textContent = message;
    el._errorKind = kind;
    if (kind !== "edit") { setSaved(`Không nhận (mục ${code}): xem thông báo ở dòng đó`, "error"); return; }
    el._sent = null;
    refused.add(code);
    setSaved(refusedText(), "error");
  }

  // ---------------------------------------------------------------- receiving
  function applyRow(row) {
    const rows = model.get("rows");
    const i = rows.findIndex((r) => r.code === row.code);
    if (i >= 0) rows[i] = row; // the kernel changed the same entry of its list in place
    const el = rowEls.get(row.code);
    const old = shown.get(row.code);
    if (el) fillRow(el, row, false); // compares with the row shown so far: call before recording the new one
    shown.set(row.code, row);
    if (!el) return;
    applyFilter();
    const version = (r) => (r && r.mine ? r.mine.version : 0);
    if (el._waiting || version(row) === version(old)) return;
    if (el._dirty) showConflict(el, row); // someone saved this row while the person was changing it
    else if (el.contains(document.activeElement)) setInputs(el, row); // focused, nothing typed: take the new value
  }

  // a colleague saved this row while the person was changing it: show both, let them choose
  function showConflict(el, row) {
    const box = el.querySelector(".cchc-changed");
    const mine = row.mine;
    box.replaceChildren(h("span", null, mine
      ? `${mine.author} vừa lưu giá trị khác: ${mine.na ? state().words.na : `${mine.shown} (${mine.points_shown || "—"} điểm)`}${mine.note ? ` · ${mine.note}` : ""}. `
      : "Điểm này vừa được người khác xóa. "));
    const take = h("button", "cchc-take-theirs", "Dùng giá trị mới");
    take.addEventListener("click", () => { el._dirty = false; setInputs(el, row); box.replaceChildren(); clearError(el); });
    const keep = h("button", "cchc-keep-mine", "Giữ giá trị của tôi");
    keep.title = "Lưu giá trị bạn đang nhập đè lên giá trị vừa lưu";
    keep.addEventListener("click", () => { el._version = mine ? mine.version : 0; el._sent = null; box.replaceChildren(); commit(row.code); });
    box.append(take, keep);
    el.classList.add("cchc-conflict");
  }

  function clearError(el) {
    el.querySelector(".cchc-changed").replaceChildren();
    el.classList.remove("cchc-invalid", "cchc-conflict");
    el.querySelector(".cchc-field-error").textContent = "";
    el._errorKind = null;
    refused.delete(el.dataset.code);
  }

  function drawHistory(code, entries) {
    const el = rowEls.get(code);
    if (!el) return;
    const box = el.querySelector(".cchc-history");
    el.querySelector(".cchc-history-button").setAttribute("aria-expanded", "true");
    if (!entries.length) { box.replaceChildren(h("p", null, "Chưa có thay đổi nào.")); return; }
    const table = h("table", "cchc-history-table");
    const head = h("tr");
    for (const t of ["Thời gian", "Người", "Giai đoạn", "Cũ", "Mới", "Lý do / ghi chú"]) head.append(h("th", null, t));
    table.append(head);
    for (const e of entries) {
      const tr = h("tr");
      for (const k of ["at", "author", "stage", "old", "new", "reason"]) tr.append(h("td", null, e[k]));
      table.append(tr);
    }
    box.replaceChildren(table);
  }

  model.on("msg:custom", (msg, buffers) => {
    if (msg.type === "row") { applyRow(msg.row); return; }
    if (msg.type === "history") { drawHistory(msg.code, msg.entries); return; }
    if (msg.type === "notice") { showNotice(msg.text); return; }
    if (msg.type === "pong") { lastAnswer = Date.now(); return; }
    lastAnswer = Date.now();
    if (msg.type === "report") { inflight = Math.max(0, inflight - 1); showReport(msg); return; }
    if (msg.type === "field_error" || msg.type === "saved") {
      inflight = Math.max(0, inflight - 1);
      if (msg.kind === "edit") answered(msg.code, msg.type === "saved"); // a file's answer says nothing of a value on its way
    }
    if (msg.type === "field_error") {
      showError(msg.code, msg.message, msg.kind);
      const el = rowEls.get(msg.code);
      if (msg.conflict && el) showConflict(el, shown.get(msg.code));
    }
    else if (msg.type === "saved") {
      const el = rowEls.get(msg.code);
      if (el && msg.kind !== "edit" && refused.has(msg.code)) commit(msg.code); // a file came: try the refused value again
      else if (el && !(msg.kind === "edit" && el._errorKind && el._errorKind !== "edit")) clearError(el); // a refused file's message stays
      if (inflight === 0) setSaved(refused.size ? refusedText() : msg.text, refused.size ? "error" : "saved");
    } else if (msg.type === "file") saveFile(msg, buffers);
  });

  function onState() {
    const st = state();
    if (model.get("epoch") !== epoch) {
      if (epoch !== -1) filter = "all"; // another unit, period or stage: a filter chosen for the last one would hide rows here
      epoch = model.get("epoch");
      inflight = 0;
      refused.clear();
      head.replaceChildren(); // another unit, period or stage: no saving state carries over
      drawTop();
      drawHead();
      drawBody();
      applyLock();
      namePage(`${st.stage_label}: ${st.unit_name} — ${st.period_name}`);
      showAddress();
      return;
    }
    drawHead();
    for (const sum of body.querySelectorAll(".cchc-section-summary")) {
      if (sum.dataset.code) sum.querySelector(".cchc-section-points").textContent = sectionTitle(sum.dataset.code);
    }
    for (const sub of body.querySelectorAll(".cchc-criterion")) sub.querySelector(".cchc-criterion-points").textContent = sectionTitle(sub.dataset.code);
  }

  function onRows() {
    if (model.get("epoch") !== epoch) return; // a new selection: drawn by onState
    for (const row of model.get("rows")) {
      const old = shown.get(row.code);
      if (old && same(old, row)) continue;
      const el = rowEls.get(row.code);
      if (el) fillRow(el, row, false);
      shown.set(row.code, row);
    }
    applyFilter();
  }

  // ---------------------------------------------------------------- connection
  // The kernel answers a ping every 2 s. With no answer for 5 s (30 s while it may still be
  // working on a file this page sent: a large upload or import) the page says that the
  // connection is lost, that nothing entered from now on is saved, and how to reload. It stays
  // said: a kernel that went away does not come back to this page. An edit in flight does not
  // lengthen the wait: a save answers well within 5 s.
  let lastAnswer = Date.now();
  let heavySince = 0; // when this page last sent a file
  let offline = false;
  const lostNotice = h("div", "cchc-lost");
  lostNotice.setAttribute("role", "alert");
  lostNotice.style.display = "none";
  el.prepend(lostNotice);
  const heartbeat = setInterval(() => {
    const patience = inflight > 0 && Date.now() - heavySince < 30000 ? 30000 : 5000;
    if (!offline && Date.now() - lastAnswer > patience) {
      offline = true;
      lostNotice.textContent = LOST_TEXT;
      lostNotice.style.display = "block";
      el.classList.add("cchc-offline");
      setSaved(LOST_SHORT, "error");
    }
    try { model.send({ type: "ping" }); } catch (e) { /* the channel is closed: the notice above says so */ }
  }, 2000);

  model.on("change:state", onState);
  model.on("change:rows", onRows);
  model.on("change:alert", drawAlert);
  drawAlert();
  if (model.get("state") && model.get("state").unit) onState();
  return () => clearInterval(heartbeat);
}

export default { render };
