// View of AdminApp: forms that ask the kernel; every check is made there (services.access).

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

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

  // what is typed in the account form and the reason survives a redraw (a refusal must not
  // wipe the form); a saved account clears its form
  const KEPT = [".cchc-ad-login", ".cchc-ad-name", ".cchc-ad-role", ".cchc-ad-units", ".cchc-ad-password", ".cchc-ad-reason"];
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

  function draw() {
    const st = model.get("state");
    const before = (model.get("notice") || "").startsWith("Đã lưu tài khoản") ? {} : typed();
    el.replaceChildren();
    const alert = h("div", "cchc-ad-alert", model.get("alert"));
    alert.setAttribute("role", "alert");
    const notice = h("div", "cchc-ad-notice", model.get("notice"));
    notice.setAttribute("role", "status");
    const top = h("div", "cchc-ad-top");
    const period = select("cchc-ad-period", st.periods, st.period);
    period.addEventListener("change", () => send({ type: "period", period: period.value }));
    top.append(h("h2", null, "Quản trị kỳ đánh giá"), labelled("Kỳ đánh giá", period), h("p", "cchc-ad-record", st.record));
    el.append(top, alert, notice);

    // stages and their dates
    const stages = h("section", "cchc-ad-stages");
    stages.append(h("h3", null, "Giai đoạn"));
    stages.append(table("cchc-ad-table", ["Giai đoạn", "Tình trạng", "Mở đến hết ngày", ""], st.stages.map((s) => {
      const until = input(`cchc-ad-until-${s.stage}`, "date");
      until.value = s.until;
      until.setAttribute("aria-label", `${s.label}: mở đến hết ngày`);
      const buttons = h("span");
      const open = h("button", `cchc-ad-open-${s.stage}`, s.open ? "Lưu ngày" : "Mở");
      open.addEventListener("click", () => send({ type: "stage", stage: s.stage, open: true, until: until.value }));
      buttons.append(open);
      if (s.open) {
        const close = h("button", `cchc-ad-close-${s.stage}`, "Đóng");
        close.addEventListener("click", () => send({ type: "stage", stage: s.stage, open: false, until: until.value }));
        buttons.append(close);
      }
      return [s.label, s.state, until, buttons];
    })));
    el.append(stages);

    // submissions, reopening, finalising
    const subs = h("section", "cchc-ad-submitted");
    subs.append(h("h3", null, `Đơn vị đã nộp bản tự đánh giá (${st.submitted.length})`));
    const reason = input("cchc-ad-reason");
    reason.placeholder = "Lý do mở lại (ghi vào nhật ký)";
    subs.append(labelled("Lý do mở lại", reason));
    subs.append(table("cchc-ad-table", ["Đơn vị", "Người nộp", "Lúc", ""], st.submitted.map((s) => {
      const b = h("button", "cchc-ad-reopen-unit", "Mở lại");
      b.addEventListener("click", () => send({ type: "reopen", unit: s.unit, reason: reason.value }));
      return [s.name, s.by, s.at, b];
    })));
    if (st.final) {
      const b = h("button", "cchc-ad-reopen-period", "Mở lại kỳ đã chốt");
      b.addEventListener("click", () => send({ type: "reopen", unit: null, reason: reason.value }));
      subs.append(b);
    } else {
      const b = h("button", "cchc-ad-finalise", "Chốt kết quả kỳ");
      b.title = "Sau khi chốt, mọi thay đổi bị từ chối cho đến khi mở lại (có lý do)";
      b.addEventListener("click", () => { if (window.confirm("Chốt kết quả kỳ này? Mọi thay đổi sau đó sẽ bị từ chối.")) send({ type: "finalise" }); });
      subs.append(b);
    }
    el.append(subs);

    // accounts
    const acc = h("section", "cchc-ad-accounts");
    acc.append(h("h3", null, `Tài khoản (${st.accounts.length})`));
    const names = Object.fromEntries(st.units);
    acc.append(table("cchc-ad-table", ["Tên đăng nhập", "Họ tên", "Vai trò", "Đơn vị", ""], st.accounts.map((a) => {
      const rm = h("button", "cchc-ad-remove", "Gỡ");
      rm.addEventListener("click", () => { if (window.confirm(`Gỡ tài khoản ${a.login}?`)) send({ type: "remove", login: a.login }); });
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
    el.append(acc);

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
    el.append(log);
    restore(before);
  }

  model.on("msg:custom", (msg, buffers) => { if (msg.type === "file") saveFile(msg, buffers); });
  model.on("change:state", draw);
  model.on("change:alert", draw);
  model.on("change:notice", draw);
  draw();
}

export default { render };
