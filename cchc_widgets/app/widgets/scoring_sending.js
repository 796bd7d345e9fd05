// Edits out, answers in (part of scoring_form.js's view): a row's value is sent once the person
// pauses or leaves it, one edit of a row at a time, against the version the person saw; the
// kernel's answer (saved, refused, a colleague's newer row) is drawn into the row.

function collect(form, code) {
  const r = form.rows.get(code);
  const { inputs, na } = r.ctl;
  if (na && na.checked) return form.state().words.na;
  if (r.row.input.widget === "pair") {
    const [d, p] = inputs.map((i) => i.value.trim());
    if (!d && !p) return "";
    if (!d || !p) return undefined; // half a pair: wait for the other number
    return { done: d, planned: p };
  }
  return inputs[0].value.trim();
}

function send(form, payload, buffers) {
  if (buffers) form.heavySince = Date.now(); // an evidence file: the kernel may be busy with it a while
  if (form.link.offline) { setSaved(form, LOST_SHORT, "error"); return; } // nothing typed after the loss is reported as saving
  form.inflight += 1;
  setSaved(form, "Đang lưu…", "pending");
  form.model.send(payload, undefined, buffers);
}

function later(form, code) {
  const r = form.rows.get(code);
  clearTimeout(r.timer);
  r.timer = setTimeout(() => commit(form, code), 500);
}

function commit(form, code) {
  const r = form.rows.get(code);
  clearTimeout(r.timer);
  if (r.waiting) { r.queued = true; return; } // one edit of a row at a time: the next carries the new version
  const value = collect(form, code);
  if (value === undefined) return;
  r.dirty = false;
  const payload = { type: "edit", code, value, note: r.note.value, author: form.author, version: r.version };
  if (same(payload, r.sent)) return;
  r.sent = payload;
  r.waiting = true;
  send(form, payload);
}

function answered(form, code, saved) {
  const r = form.rows.get(code);
  if (!r) return;
  if (saved) r.version = r.row && r.row.mine ? r.row.mine.version : 0; // our own save: the page now holds it
  if (saved && r.sent) r.sent = { ...r.sent, version: r.version }; // the same value again is no new edit
  r.waiting = false;
  if (r.queued) { r.queued = false; commit(form, code); }
}

// a refused value ("edit") stays to be put right, counted in the header; a refused file leaves the saved value
function showError(form, code, message, kind = "edit") {
  const r = form.rows.get(code);
  if (!r) { form.alert.textContent = message; form.alert.style.display = "block"; return; }
  r.el.classList.add("cchc-invalid"); // the typed value stays to be put right; the points say they are the saved ones
  r.el.querySelector(".cchc-field-error").textContent = message;
  r.errorKind = kind;
  if (kind !== "edit") { setSaved(form, `Không nhận (mục ${code}): xem thông báo ở dòng đó`, "error"); return; }
  r.sent = null;
  form.refused.add(code);
  setSaved(form, refusedText(form), "error");
}

const refusedText = (form) => `Chưa lưu: ${form.refused.size} ô bị từ chối`;

function applyRow(form, row) {
  const rows = form.model.get("rows");
  const i = rows.findIndex((x) => x.code === row.code);
  if (i >= 0) rows[i] = row; // the kernel changed the same entry of its list in place
  const r = form.rows.get(row.code);
  if (!r) return;
  const old = r.row;
  fillRow(form, r, row, false); // compares with the row shown so far: call before recording the new one
  r.row = row;
  applyFilter(form);
  const version = (x) => (x && x.mine ? x.mine.version : 0);
  if (r.waiting || version(row) === version(old)) return;
  if (r.dirty) showConflict(form, r, row); // someone saved this row while the person was changing it
  else if (r.el.contains(document.activeElement)) setInputs(form, r, row); // focused, nothing typed: take the new value
}

// a colleague saved this row while the person was changing it: show both, let them choose
function showConflict(form, r, row) {
  const box = r.el.querySelector(".cchc-changed");
  const mine = row.mine;
  const na = form.state().words.na;
  box.replaceChildren(h("span", null, mine
    ? `${mine.author} vừa lưu giá trị khác: ${mine.na ? na : `${mine.shown} (${mine.points_shown || "—"} điểm)`}${mine.note ? ` · ${mine.note}` : ""}. `
    : "Điểm này vừa được người khác xóa. "));
  const take = h("button", "cchc-take-theirs", "Dùng giá trị mới");
  take.addEventListener("click", () => { r.dirty = false; setInputs(form, r, row); box.replaceChildren(); clearError(form, r); });
  const keep = h("button", "cchc-keep-mine", "Giữ giá trị của tôi");
  keep.title = "Lưu giá trị bạn đang nhập đè lên giá trị vừa lưu";
  keep.addEventListener("click", () => { r.version = mine ? mine.version : 0; r.sent = null; box.replaceChildren(); commit(form, row.code); });
  box.append(take, keep);
  r.el.classList.add("cchc-conflict");
}

function clearError(form, r) {
  r.el.querySelector(".cchc-changed").replaceChildren();
  r.el.classList.remove("cchc-invalid", "cchc-conflict");
  r.el.querySelector(".cchc-field-error").textContent = "";
  r.errorKind = null;
  form.refused.delete(r.code);
}

// every message of the kernel (ScoringForm.send)
function receive(form, msg, buffers) {
  if (msg.type === "row") { applyRow(form, msg.row); return; }
  if (msg.type === "history") { drawHistory(form, msg.code, msg.entries); return; }
  if (msg.type === "notice") { showNotice(form, msg.text); return; }
  if (msg.type === "report") { form.inflight = Math.max(0, form.inflight - 1); showReport(form, msg); return; }
  const r = form.rows.get(msg.code);
  if (msg.type === "field_error" || msg.type === "saved") {
    form.inflight = Math.max(0, form.inflight - 1);
    if (msg.kind === "edit") answered(form, msg.code, msg.type === "saved"); // a file's answer says nothing of a value on its way
  }
  if (msg.type === "field_error") {
    showError(form, msg.code, msg.message, msg.kind);
    if (msg.conflict && r) showConflict(form, r, r.row);
  } else if (msg.type === "saved") {
    if (r && msg.kind !== "edit" && form.refused.has(msg.code)) commit(form, msg.code); // a file came: try the refused value again
    else if (r && !(msg.kind === "edit" && r.errorKind && r.errorKind !== "edit")) clearError(form, r); // a refused file's message stays
    if (form.inflight === 0) {
      const refused = form.refused.size > 0;
      setSaved(form, refused ? refusedText(form) : msg.text, refused ? "error" : "saved");
    }
  } else if (msg.type === "file") saveFile(msg, buffers);
}
