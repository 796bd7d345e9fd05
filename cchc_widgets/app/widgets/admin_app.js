// View of AdminApp: forms that ask the kernel; every check is made there (services.access).

function labelled(text, control) {
  const l = h("label", "cchc-ad-field", text);
  l.append(control);
  return l;
}

function input(cls, type = "text") {
  const i = h("input", cls);
  i.type = type;
  return i;
}

function select(cls, options, current, multiple = false) {
  const s = h("select", cls);
  s.multiple = multiple;
  for (const [id, name] of options) {
    const o = h("option", null, name);
    o.value = id;
    o.selected = Array.isArray(current) ? current.includes(id) : id === current;
    s.append(o);
  }
  return s;
}

function table(cls, headers, rows) {
  const t = h("table", cls);
  const head = h("tr");
  for (const x of headers) head.append(h("th", null, x));
  t.append(head);
  for (const cells of rows) {
    const tr = h("tr");
    for (const c of cells) {
      const td = h("td");
      if (c instanceof Node) td.append(c); else td.textContent = c ?? "";
      tr.append(td);
    }
    t.append(tr);
  }
  return t;
}

function render({ model, el }) {
  ensureShutdownToken();
  namePage("Quản trị kỳ đánh giá");
  el.classList.add("cchc-admin");
  const send = (msg) => model.send(msg);

  // a wide or irreversible action asks first: the kernel says what it will change, counted now
  // (services.confirmations); the confirmation has its own reason field where one is needed,
  // fresh each time, and is emptied once used or dismissed
  const dialog = h("dialog", "cchc-admin cchc-ad-confirm");
  dialog.setAttribute("aria-labelledby", "cchc-ad-confirm-title");
  document.body.append(dialog); // outside the view, which is redrawn whenever the state changes
  let pendingAction = null; // what the confirmation does: a message to the kernel
  const ask = (kind, target, action) => { pendingAction = action; send({ type: "ask", kind, target }); };
  function confirmAction(what) {
    const action = pendingAction;
    pendingAction = null;
    if (!action) return;
    dialog.replaceChildren();
    const title = h("h3", null, what.title);
    title.id = "cchc-ad-confirm-title";
    dialog.append(title);
    for (const line of what.lines) dialog.append(h("p", "cchc-ad-confirm-line", line));
    let reason = null;
    const go = h("button", `cchc-ad-confirm-go cchc-ad-confirm-${what.kind}`, what.button);
    go.type = "button";
    if (what.reason) {
      reason = input("cchc-ad-confirm-reason");
      reason.placeholder = "Lý do (ghi vào nhật ký)";
      reason.required = true;
      dialog.append(labelled("Lý do", reason));
      go.disabled = true;
      reason.addEventListener("input", () => { go.disabled = !reason.value.trim(); });
    }
    const cancel = h("button", "cchc-ad-confirm-cancel", "Thôi");
    cancel.type = "button";
    const done = () => { dialog.close(); dialog.replaceChildren(); }; // nothing typed outlives the action
    go.addEventListener("click", () => { send(reason ? { ...action, reason: reason.value } : action); done(); });
    cancel.addEventListener("click", done);
    dialog.addEventListener("cancel", () => dialog.replaceChildren(), { once: true });
    const buttons = h("div", "cchc-ad-confirm-buttons");
    buttons.append(go, cancel);
    dialog.append(buttons);
    dialog.showModal();
    (reason || cancel).focus();
  }

  // what is typed in the account form survives a redraw (a refusal must not
  // wipe the form); a saved account clears its form
  const KEPT = [".cchc-ad-login", ".cchc-ad-name", ".cchc-ad-role", ".cchc-ad-units", ".cchc-ad-password", ".cchc-ad-new-id", ".cchc-ad-new-name"];
  function typed() {
    const out = {};
    for (const sel of KEPT) {
      const e = el.querySelector(sel);
      if (e) out[sel] = e.multiple ? [...e.selectedOptions].map((o) => o.value) : e.value;
    }
    return out;
  }
  function restore(values) {
    for (const [sel, v] of Object.entries(values)) {
      const e = el.querySelector(sel);
      if (!e) continue;
      if (e.multiple) for (const o of e.options) o.selected = v.includes(o.value);
      else e.value = v;
    }
  }

  // the form that opens a new period: its units (a table sent to the kernel, which offers a set
  // for each of its blocks) and a set per block; a block's choice and the file chosen for it
  // outlive a redraw, and are forgotten once the period is opened
  let chosenSets = {};
  let setFiles = {};
  function newPeriod(np) {
    const sec = h("section", "cchc-ad-new-period");
    sec.append(h("h3", null, "Mở kỳ đánh giá mới"));
    const id = input("cchc-ad-new-id");
    id.placeholder = "ví dụ 2018";
    const name = input("cchc-ad-new-name");
    name.placeholder = "để trống: Năm …";
    const unitsFile = input("cchc-ad-new-units", "file");
    unitsFile.accept = ".csv,.xlsx";
    unitsFile.addEventListener("change", async () => {
      const file = unitsFile.files[0];
      if (file) model.send({ type: "new_units", name: file.name }, undefined, [await file.arrayBuffer()]);
    });
    sec.append(labelled("Mã kỳ", id), labelled("Tên kỳ", name), labelled("Bảng đơn vị (.csv, .xlsx)", unitsFile));
    sec.append(h("p", "cchc-ad-new-source", `Đơn vị: ${np.units}`));
    for (const b of np.blocks) {
      const choice = select("cchc-ad-new-set", b.options, chosenSets[b.block] ?? b.chosen);
      choice.dataset.block = b.block;
      const row = h("div", "cchc-ad-new-block");
      row.append(labelled(`Bộ tiêu chí — khối ${b.label}`, choice));
      if (choice.value === "upload") {
        const file = input("cchc-ad-new-set-file", "file");
        file.dataset.block = b.block;
        file.accept = ".yaml,.yml,.json,.csv,.xlsx";
        file.addEventListener("change", () => { setFiles[b.block] = file.files[0]; draw(); });
        row.append(labelled(`Tệp bộ tiêu chí — khối ${b.label}`, file));
        if (setFiles[b.block]) row.append(h("span", "cchc-ad-new-set-name", `đã chọn: ${setFiles[b.block].name}`));
      }
      choice.addEventListener("change", () => { chosenSets[b.block] = choice.value; draw(); });
      sec.append(row);
    }
    const go = h("button", "cchc-ad-new-open", "Mở kỳ");
    go.addEventListener("click", async () => {
      const sets = Object.fromEntries(np.blocks.map((b) => [b.block, chosenSets[b.block] ?? b.chosen]));
      const files = np.blocks.map((b) => b.block).filter((b) => sets[b] === "upload" && setFiles[b]);
      const buffers = await Promise.all(files.map((b) => setFiles[b].arrayBuffer()));
      model.send({ type: "open_period", period: id.value, name: name.value, sets, files, names: files.map((b) => setFiles[b].name) },
        undefined, buffers);
    });
    sec.append(go);
    return sec;
  }

  // what is drawn, redrawn whole on every change; the connection notice (page.js) stays above it
  const view = h("div", "cchc-ad-view");
  el.append(view);
  function draw() {
    const st = model.get("state");
    const said = model.get("notice") || "";
    if (said.startsWith("Đã mở kỳ")) { chosenSets = {}; setFiles = {}; }
    const before = said.startsWith("Đã lưu tài khoản") || said.startsWith("Đã mở kỳ") ? {} : typed();
    const focused = document.activeElement && el.contains(document.activeElement) ? document.activeElement.className : null;
    view.replaceChildren();
    const alert = h("div", "cchc-ad-alert", model.get("alert"));
    alert.setAttribute("role", "alert");
    const notice = h("div", "cchc-ad-notice", model.get("notice"));
    notice.setAttribute("role", "status");
    const top = h("div", "cchc-ad-top");
    const period = select("cchc-ad-period", st.periods, st.period);
    period.addEventListener("change", () => send({ type: "period", period: period.value }));
    top.append(h("h2", null, "Quản trị kỳ đánh giá"), labelled("Kỳ đánh giá", period), h("p", "cchc-ad-record", st.record));
    view.append(top, alert, notice);

    // stages and their dates
    const stages = h("section", "cchc-ad-stages");
    stages.append(h("h3", null, "Giai đoạn"));
    if (st.blocks.length) {  // a period of several blocks: each block's stages, or every block's at once
      const block = select("cchc-ad-block", st.blocks, st.block);
      block.addEventListener("change", () => send({ type: "stage_block", block: block.value }));
      stages.append(labelled("Khối đơn vị", block));
    }
    stages.append(table("cchc-ad-table", ["Giai đoạn", "Tình trạng", "Mở đến hết ngày", ""], st.stages.map((s) => {
      const until = input(`cchc-ad-until-${s.stage}`, "date");
      until.value = s.until;
      until.setAttribute("aria-label", `${s.label}: mở đến hết ngày`);
      const buttons = h("span");
      // a finalised period is read-only (the kernel refuses too): its dates shown, nothing to press
      until.disabled = st.final;
      if (st.final) return [s.label, s.state, until, buttons];
      const open = h("button", `cchc-ad-open-${s.stage}`, s.open ? "Lưu ngày" : "Mở");
      open.addEventListener("click", () => send({ type: "stage", stage: s.stage, open: true, until: until.value }));
      buttons.append(open);
      if (s.open) {
        const close = h("button", `cchc-ad-close-${s.stage}`, "Đóng");
        close.addEventListener("click", () => ask("close_stage", s.stage, { type: "stage", stage: s.stage, open: false, until: until.value }));
        buttons.append(close);
      }
      return [s.label, s.state, until, buttons];
    })));
    view.append(stages);

    // submissions, reopening, finalising
    const subs = h("section", "cchc-ad-submitted");
    subs.append(h("h3", null, `Đơn vị đã nộp bản tự đánh giá (${st.submitted.length})`));
    subs.append(table("cchc-ad-table", ["Đơn vị", "Người nộp", "Lúc", ""], st.submitted.map((s) => {
      const b = h("button", "cchc-ad-reopen-unit", "Mở lại");
      b.addEventListener("click", () => ask("reopen_unit", s.unit, { type: "reopen", unit: s.unit }));
      return [s.name, s.by, s.at, b];
    })));
    if (st.final) {
      const b = h("button", "cchc-ad-reopen-period", "Mở lại kỳ đã chốt");
      b.addEventListener("click", () => ask("reopen_period", null, { type: "reopen", unit: null }));
      subs.append(b);
    } else {
      const b = h("button", "cchc-ad-finalise", "Chốt kết quả kỳ");
      b.title = "Sau khi chốt, mọi thay đổi bị từ chối cho đến khi mở lại (có lý do)";
      b.addEventListener("click", () => ask("finalise", null, { type: "finalise" }));
      subs.append(b);
    }
    view.append(subs);

    // accounts
    const acc = h("section", "cchc-ad-accounts");
    acc.append(h("h3", null, `Tài khoản (${st.accounts.length})`));
    const names = Object.fromEntries(st.units);
    acc.append(table("cchc-ad-table", ["Tên đăng nhập", "Họ tên", "Vai trò", "Đơn vị", ""], st.accounts.map((a) => {
      const rm = h("button", "cchc-ad-remove", "Gỡ");
      rm.addEventListener("click", () => ask("remove_account", a.login, { type: "remove", login: a.login }));
      return [a.login, a.name, a.role_label, a.units.map((u) => names[u] || u).join(", "), rm];
    })));
    const form = h("div", "cchc-ad-account-form");
    const login = input("cchc-ad-login");
    const name = input("cchc-ad-name");
    const role = select("cchc-ad-role", st.roles, "unit");
    const units = select("cchc-ad-units", st.units, [], true);
    const password = input("cchc-ad-password", "password");
    password.autocomplete = "new-password";
    password.placeholder = "để trống: giữ mật khẩu cũ / đăng nhập qua cổng";
    const save = h("button", "cchc-ad-save-account", "Lưu tài khoản");
    save.addEventListener("click", () => send({
      type: "account", login: login.value, name: name.value, role: role.value,
      units: [...units.selectedOptions].map((o) => o.value), password: password.value,
    }));
    form.append(labelled("Tên đăng nhập", login), labelled("Họ tên", name), labelled("Vai trò", role),
      labelled("Đơn vị (giữ Ctrl để chọn nhiều)", units), labelled("Mật khẩu (ít nhất 8 ký tự)", password), save);
    acc.append(form);
    view.append(acc);

    view.append(newPeriod(st.new_period));

    // the change log
    const log = h("section", "cchc-ad-log");
    log.append(h("h3", null, "Nhật ký thay đổi"));
    const f = st.filters || {};
    const fUnit = select("cchc-ad-filter-unit", [["", "Mọi đơn vị"], ...st.units], f.unit || "");
    const fCode = input("cchc-ad-filter-code");
    fCode.value = f.code || "";
    const fAuthor = input("cchc-ad-filter-author");
    fAuthor.value = f.author || "";
    fAuthor.placeholder = "họ tên hoặc tên đăng nhập";
    const fAction = input("cchc-ad-filter-action");
    fAction.value = f.action || "";
    fAction.placeholder = "Nộp, Đăng nhập, …";
    const actionWords = h("datalist");
    actionWords.id = "cchc-ad-action-names";
    actionWords.append(...(st.action_names || []).map((name) => { const o = h("option"); o.value = name; return o; }));
    fAction.setAttribute("list", actionWords.id);
    const apply = h("button", "cchc-ad-filter", "Lọc");
    apply.addEventListener("click", () => send({ type: "filters", filters: { unit: fUnit.value, code: fCode.value, author: fAuthor.value, action: fAction.value } }));
    const down = h("button", "cchc-ad-download", "Tải nhật ký (Excel)");
    down.addEventListener("click", () => send({ type: "download" }));
    log.append(labelled("Đơn vị", fUnit), labelled("Mã tiêu chí", fCode), labelled("Người", fAuthor), labelled("Thao tác", fAction), actionWords, apply, down);
    log.append(h("p", "cchc-ad-log-count", `${st.log_total} dòng${st.log_total > st.log.length ? `, hiện ${st.log.length} dòng mới nhất` : ""}`));
    log.append(table("cchc-ad-table cchc-ad-log-table", ["Thời gian", "Người", "Thao tác", "Đơn vị", "Mã", "Giai đoạn", "Cũ", "Mới", "Lý do"],
      st.log.map((r) => [r.at, r.author ? `${r.name} (${r.author})` : r.name, r.action_name, r.unit_name, r.code, r.stage, r.old, r.new, r.reason])));
    view.append(log);
    restore(before);
    if (focused) el.querySelector(`.${focused.split(" ")[0]}`)?.focus(); // a live redraw keeps the keyboard where it was
  }

  model.on("msg:custom", (msg, buffers) => {
    if (msg.type === "file") saveFile(msg, buffers);
    else if (msg.type === "confirm") confirmAction(msg);
  });
  model.on("change:state", draw);
  model.on("change:alert", draw);
  model.on("change:notice", draw);
  draw();
  // follow the period like the scoring form: the kernel answers each ping and sends the state
  // again when something moved (a unit submitted, a score changed); no answer: the page says so
  const link = watchConnection(model, el);
  return () => { link.stop(); dialog.remove(); };
}

export default { render };
