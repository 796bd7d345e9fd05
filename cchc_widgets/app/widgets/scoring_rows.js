// The scoring form's body (part of scoring_form.js's view): sections, criteria and one row per
// item, each with its control, note, evidence files, the other stage's value and its history.
// A row's state lives in `form.rows` (code → rowState), never on its element.

// What the page knows of one row besides its element: the row as last drawn, its controls,
// and where its edit is (sent and unanswered, another queued behind it, typed and unsent).
function rowState(code, el, ctl, note, entered) {
  return {
    code,
    el,
    ctl, // { box, inputs, na }: the value's controls
    note, // the note's textarea
    entered, // the person enters this row here (a bonus or penalty only at the appraisal)
    row: null, // the row as last drawn
    timer: null, // a typed value waits a moment before it is sent
    waiting: false, // an edit was sent and is not answered yet
    queued: false, // another edit waits for that answer
    sent: null, // the last edit sent (the same again is not sent)
    version: 0, // the saved version the person's edit is made against
    dirty: false, // typed and not sent
    errorKind: null, // what the row's message refuses: "edit" (the value), or a file's kind
  };
}

function drawBody(form) {
  const { body } = form;
  const st = form.state();
  body.replaceChildren();
  form.rows.clear();
  let section = null;
  let sectionCode = null;
  let lastPath = [];
  for (const row of form.model.get("rows")) {
    const topCode = row.path.length ? row.path[0] : "";
    if (section === null || topCode !== sectionCode) {
      sectionCode = topCode;
      section = h("details", `cchc-section cchc-section-${dash(topCode || "items")}`);
      section.open = true;
      const sum = h("summary", "cchc-section-summary");
      const s = st.sections[topCode];
      const name = !topCode ? "Các mục chấm điểm" : s.title || `${topCode}. ${s.name}`;
      sum.append(h("span", "cchc-section-title", name), h("span", "cchc-section-points", topCode ? sectionTitle(form, topCode) : ""));
      sum.dataset.code = topCode;
      section.append(sum);
      body.append(section);
      lastPath = [topCode];
    }
    row.path.forEach((code, depth) => {
      if (depth === 0 || lastPath[depth] === code) return;
      const sub = h("div", `cchc-criterion cchc-level-${depth + 1}`);
      sub.dataset.code = code;
      sub.append(h("span", "cchc-criterion-title", `${code}. ${st.sections[code].name}`), h("span", "cchc-criterion-points", sectionTitle(form, code)));
      section.append(sub);
    });
    lastPath = row.path;
    const r = drawRow(form, row);
    section.append(r.el);
    form.rows.set(row.code, r);
    fillRow(form, r, row, true);
    r.row = row;
  }
  applyFilter(form);
}

function control(form, row) {
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
    inp.addEventListener("input", () => later(form, row.code));
    inp.addEventListener("change", () => commit(form, row.code));
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
    sel.addEventListener("change", () => commit(form, row.code));
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
        if (inputs.includes(ev.relatedTarget) || collect(form, row.code) !== undefined) return;
        showError(form, row.code, `Chưa lưu: nhập cả «${spec.labels[0]}» và «${spec.labels[1]}»`);
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
    const lab = h("label", "cchc-na-label", ` ${form.state().words.na}`);
    na = h("input", "cchc-na");
    na.type = "checkbox";
    na.addEventListener("change", () => { inputs.forEach((i) => (i.disabled = na.checked)); commit(form, row.code); });
    lab.prepend(na);
    box.append(lab);
  }
  return { box, inputs, na };
}

// a row's element and its state (rowState), not yet filled
function drawRow(form, row) {
  const el = h("div", `cchc-row cchc-row-${dash(row.code)}${row.kind ? ` cchc-row-${row.kind}` : ""}`);
  el.dataset.code = row.code;
  const main = h("div", "cchc-row-main");
  const name = h("div", "cchc-name");
  name.append(h("span", "cchc-code", row.code), h("span", "cchc-name-text", ` ${row.name}`), h("span", "cchc-badge"));
  name.append(h("div", "cchc-how", `Cách chấm: ${row.how}`));
  if (row.evidence) name.append(h("div", "cchc-hint", `Tài liệu kiểm chứng: ${row.evidence}`));
  const ctl = control(form, row);
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
    : form.state().stage === "appraisal" ? "Lý do (bắt buộc khi khác điểm tự đánh giá)" : "Ghi chú / giải trình (bắt buộc nếu thiếu tài liệu kiểm chứng)";
  note.setAttribute("aria-label", `${row.code}: ${note.placeholder}`);
  note.addEventListener("change", () => commit(form, row.code));
  const files = h("div", "cchc-files");
  const hist = h("button", "cchc-history-button", "Lịch sử");
  hist.title = "Ai đã sửa, lúc nào, từ giá trị nào sang giá trị nào, vì sao";
  hist.setAttribute("aria-expanded", "false");
  hist.addEventListener("click", () => {
    const box = el.querySelector(".cchc-history");
    if (box.childElementCount) { box.replaceChildren(); hist.setAttribute("aria-expanded", "false"); return; }
    form.model.send({ type: "history", code: row.code });
  });
  const changed = h("div", "cchc-changed");
  changed.setAttribute("role", "alert");
  const reply = h("textarea", "cchc-reply");
  reply.rows = 2;
  reply.placeholder = "Giải trình của đơn vị về kết quả thẩm định tiêu chí này";
  reply.setAttribute("aria-label", `${row.code}: giải trình về kết quả thẩm định`);
  reply.addEventListener("change", () => send(form, { type: "reply", code: row.code, text: reply.value, author: form.author }));
  extra.append(other, note, files, reply, hist, changed, h("div", "cchc-history"));
  el.append(main, extra);
  const r = rowState(row.code, el, ctl, note, row.entered);
  el.addEventListener("input", (ev) => { if (!ev.target.classList.contains("cchc-upload")) r.dirty = true; });
  if (row.kind) files.style.display = "none"; // evidence belongs to the unit's self-assessment
  if (!row.entered) { ctl.box.style.display = "none"; note.style.display = "none"; } // the unit reads the appraiser's entry
  return r;
}

function setInputs(form, r, row) {
  const { inputs, na } = r.ctl;
  const locked = !!form.state().locked;
  const mine = row.mine;
  const isNa = !!(mine && mine.na);
  r.version = mine ? mine.version : 0; // what the person sees is this version: edits are made against it
  if (na) na.checked = isNa;
  inputs.forEach((i) => (i.disabled = isNa || locked || !r.entered));
  r.note.disabled = locked || !r.entered;
  r.note.value = mine ? mine.note : "";
  const texts = mine && !isNa ? mine.inputs : [];
  inputs.forEach((i, k) => (i.value = texts[k] === undefined ? "" : texts[k]));
}

// `row` drawn into the row of `r`, compared with the row drawn so far (`r.row`: set it after)
function fillRow(form, r, row, force) {
  const { el } = r;
  const st = form.state();
  const old = r.row;
  // never overwrite what a person is typing: a saved value only replaces the inputs of a
  // row that has no unsent edits and no focus
  const busy = r.dirty || el.contains(document.activeElement);
  if (force || ((!old || !same(old.mine, row.mine)) && !busy)) setInputs(form, r, row);
  const mine = row.entered ? row.mine : row.other; // the unit's view of a bonus or penalty: the appraiser's
  const none = row.kind ? num(0, st.decimals, true) : "chưa chấm"; // no bonus or penalty entered: none given (0,00)
  const points = el.querySelector(".cchc-row-points");
  points.textContent = mine && mine.scored ? mine.points_shown : none; // N/A: the set's word (KAD), as the sheet and report print it…
  points.title = mine && mine.na ? st.words.na : ""; // …written out on hover, beside the ticked «Không áp dụng» box
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
  } else if (st.stage === "appraisal") {
    other.append(h("span", "cchc-other-label", "Đơn vị tự đánh giá: "));
    if (o && o.scored) {
      other.append(h("span", "cchc-self-value", o.na ? o.points_shown : `${o.shown} → ${o.points_shown} điểm`));
      if (o.note) other.append(h("span", "cchc-self-note", ` · Ghi chú: ${o.note}`));
    } else other.append(h("span", "cchc-self-value", "chưa chấm"));
  } else if (o && o.scored) {
    other.append(h("span", "cchc-other-label", "Kết quả thẩm định: "));
    other.append(h("span", "cchc-appraisal-value", o.na ? o.points_shown : `${o.points_shown} điểm`));
    if (o.note) other.append(h("span", "cchc-appraisal-reason", ` · Lý do: ${o.note}`));
    other.classList.toggle("cchc-differs", differs || !(mine && mine.scored)); // the kernel's flag, or nothing of the unit's yet
  }
  // the unit's reply to its appraisal: written in its own view while the window is open, read by the appraiser
  const reply = el.querySelector(".cchc-reply");
  const canReply = st.stage !== "appraisal" && st.reply_open && o && o.scored;
  reply.style.display = canReply ? "" : "none";
  if (canReply && document.activeElement !== reply) reply.value = row.reply ? row.reply.text : "";
  if (row.reply && !canReply) {
    const who = st.stage === "appraisal" ? "Đơn vị giải trình" : "Giải trình đã gửi";
    other.append(h("div", "cchc-reply-text", `${who} (${row.reply.author}): ${row.reply.text}`));
  }
  drawFiles(form, el.querySelector(".cchc-files"), row);
  const fixed = !!st.locked || !st.can_evidence;
  el.querySelectorAll(".cchc-upload, .cchc-file-remove").forEach((b) => (b.disabled = fixed));
}

function drawFiles(form, box, row) {
  box.replaceChildren(h("span", "cchc-files-label", "Tài liệu: "));
  if (!row.files.length) box.append(h("span", "cchc-no-files", "chưa có "));
  for (const file of row.files) {
    const a = h("a", "cchc-file", file.name);
    a.href = "#";
    a.dataset.id = file.id;
    a.title = `${formatNumber(file.size / 1024, 0)} KB — bấm để tải về`;
    a.addEventListener("click", (ev) => { ev.preventDefault(); form.model.send({ type: "download", id: file.id, code: row.code }); });
    const rm = h("button", "cchc-file-remove", "×");
    rm.title = "Gỡ tài liệu";
    rm.setAttribute("aria-label", `Gỡ tài liệu ${file.name}`);
    rm.addEventListener("click", () => askRemoval(form, row, file));
    box.append(a, rm, h("span", null, " "));
  }
  const pick = h("label", "cchc-button cchc-upload-label", "Tải tài liệu lên");
  pick.title = `Tài liệu kiểm chứng cho ${row.code} (${form.state().limits})`;
  const up = h("input", "cchc-upload cchc-visually-hidden"); // focusable, named by its label; no "Choose Files"
  up.type = "file";
  up.multiple = true;
  pick.append(up);
  up.addEventListener("change", async () => {
    const st = form.state();
    for (const file of up.files) {
      if (file.size > st.max_bytes) { showError(form, row.code, `Tệp '${file.name}' quá lớn (${st.limits})`, "upload"); continue; }
      send(form, { type: "upload", code: row.code, name: file.name, author: form.author }, [await file.arrayBuffer()]);
    }
    up.value = "";
  });
  box.append(pick);
}

// removing a file asks first, naming it, in the form's own dialog (as «Nộp» does; not a native
// confirm); the file stays kept for the audit, no longer evidence of the row
function askRemoval(form, row, file) {
  const { confirm } = form;
  confirm.replaceChildren();
  const title = h("h3", null, "Gỡ tài liệu kiểm chứng");
  title.id = "cchc-confirm-title";
  confirm.append(title, h("p", "cchc-confirm-line",
    `Gỡ tệp «${file.name}» (${formatNumber(file.size / 1024, 0)} KB) khỏi mục ${row.code}? Tệp không còn là tài liệu kiểm chứng của mục này (vẫn được lưu lại cho việc kiểm tra).`));
  const buttons = h("div", "cchc-dialog-buttons");
  const go = h("button", "cchc-confirm-go", "Gỡ tài liệu");
  go.type = "button";
  go.addEventListener("click", () => { confirm.close(); send(form, { type: "remove_file", id: file.id, code: row.code, author: form.author }); });
  const cancel = h("button", "cchc-confirm-cancel", "Thôi");
  cancel.type = "button";
  cancel.addEventListener("click", () => confirm.close());
  buttons.append(go, cancel);
  confirm.append(buttons);
  confirm.showModal();
  cancel.focus();
}

function drawHistory(form, code, entries) {
  const r = form.rows.get(code);
  if (!r) return;
  const box = r.el.querySelector(".cchc-history");
  r.el.querySelector(".cchc-history-button").setAttribute("aria-expanded", "true");
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
