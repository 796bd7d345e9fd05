// @ts-check
// View of CriteriaEditor: the criteria tree as rows of inputs. Every change is sent to the
// kernel, which validates the whole set and sends the tree, its problems and the ranks back.


/** A labelled input that sends its value when the person leaves it or presses Enter. */
function field(label, value, cls, onSend) {
  const input = /** @type {HTMLInputElement} */ (h("input", cls));
  input.value = value ?? "";
  input.setAttribute("aria-label", label);
  input.title = label;
  input.addEventListener("change", () => onSend(input.value));
  input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") input.blur(); });
  return input;
}

function render({ model, el }) {
  ensureShutdownToken();
  el.classList.add("cchc-ce");
  el.lang = "vi";
  const head = h("div", "cchc-ce-head");
  const alert = h("div", "cchc-ce-alert");
  alert.setAttribute("role", "alert");
  const status = h("div", "cchc-ce-status");
  status.setAttribute("aria-live", "polite");
  const body = h("div", "cchc-ce-body");
  const tree = h("div", "cchc-ce-tree");
  const ranks = h("div", "cchc-ce-ranks");
  body.append(ranks, tree);
  el.append(head, alert, status, body);
  const open = new Set(); // codes whose children are shown
  let first = true;

  const send = (msg) => model.send(msg);

  function addForm(parent) {
    const form = h("form", "cchc-ce-add");
    const code = field("Mã mục mới", "", "cchc-ce-add-code", () => {});
    const name = field("Tên mục mới", "", "cchc-ce-add-name", () => {});
    const max = field("Điểm tối đa của mục mới", "", "cchc-ce-add-max", () => {});
    code.placeholder = "mã"; name.placeholder = "tên"; max.placeholder = "điểm tối đa";
    const ok = h("button", "cchc-ce-add-ok", parent === null ? "Thêm lĩnh vực" : "Thêm mục con");
    ok.type = "submit";
    form.append(code, name, max, ok);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (parent !== null) open.add(parent);
      send({ type: "add", parent, code: code.value, name: name.value, max: max.value });
    });
    return form;
  }

  function drawHead() {
    const info = model.get("info");
    head.replaceChildren();
    const line = h("div", "cchc-ce-meta");
    line.append(
      field("Tên bộ tiêu chí", info.name, "cchc-ce-name", (v) => send({ type: "meta", key: "name", value: v })),
      field("Mã bộ tiêu chí", info.id, "cchc-ce-id", (v) => send({ type: "meta", key: "id", value: v })),
      field("Phiên bản", info.version, "cchc-ce-version", (v) => send({ type: "meta", key: "version", value: v })),
      h("span", "cchc-ce-total", `Tổng điểm: ${info.total}`),
    );
    const yaml = h("button", "cchc-ce-yaml", "Tải YAML");
    yaml.disabled = !info.valid;
    yaml.title = info.valid ? "Tải bộ tiêu chí đã sửa" : "Sửa hết lỗi trước khi tải";
    yaml.addEventListener("click", () => send({ type: "yaml" }));
    line.append(yaml);
    head.append(line);
    status.replaceChildren();
    const badge = h("span", info.valid ? "cchc-ce-valid" : "cchc-ce-invalid", info.valid ? "Bộ tiêu chí hợp lệ" : `${info.count} lỗi`);
    status.append(badge);
    if (info.general.length) {
      const list = h("ul", "cchc-ce-general");
      for (const text of info.general) list.append(h("li", null, text));
      status.append(list);
    }
  }

  function drawRow(node) {
    const row = h("div", `cchc-ce-node cchc-ce-level-${node.level}${node.leaf ? " cchc-ce-leaf" : ""}${node.problems.length ? " cchc-ce-bad" : ""}`);
    row.dataset.code = node.code;
    const top = h("div", "cchc-ce-line");
    const toggle = h("button", "cchc-ce-toggle", node.leaf ? "·" : open.has(node.code) ? "▾" : "▸");
    toggle.setAttribute("aria-label", `${open.has(node.code) ? "Thu gọn" : "Mở"} mục ${node.code}`);
    toggle.disabled = node.leaf;
    toggle.addEventListener("click", () => { if (open.has(node.code)) open.delete(node.code); else open.add(node.code); drawTree(); });
    top.append(
      toggle,
      h("span", "cchc-ce-code", node.code),
      field(`Tên mục ${node.code}`, node.name, "cchc-ce-node-name", (v) => send({ type: "set", code: node.code, field: "name", value: v })),
      field(`Điểm tối đa mục ${node.code}`, node.max_shown, "cchc-ce-max", (v) => send({ type: "set", code: node.code, field: "max_points", value: v })),
    );
    if (!node.leaf) {
      const weight = field(`Nhân điểm mục ${node.code} (trọng số)`, "", "cchc-ce-weight", (v) => { if (v.trim()) send({ type: "set", code: node.code, field: "weight", value: v }); });
      weight.placeholder = "× trọng số";
      top.append(weight);
    }
    const more = h("button", "cchc-ce-child", "+ mục con");
    more.setAttribute("aria-label", `Thêm mục con cho ${node.code}`);
    const remove = h("button", "cchc-ce-remove", "Xoá");
    remove.setAttribute("aria-label", `Xoá mục ${node.code}`);
    remove.addEventListener("click", () => send({ type: "remove", code: node.code }));
    top.append(more, remove);
    row.append(top);
    const adding = h("div", "cchc-ce-adding");
    more.addEventListener("click", () => { if (adding.childElementCount) adding.replaceChildren(); else adding.replaceChildren(addForm(node.code)); });
    if (node.leaf) {
      const detail = h("div", "cchc-ce-detail");
      const rule = field(`Quy tắc chấm mục ${node.code}`, node.rule, "cchc-ce-rule", (v) => send({ type: "set", code: node.code, field: "rule", value: v }));
      rule.placeholder = "vd. levels: Đúng hạn=1; Chậm=0,5; Không=0";
      const na = /** @type {HTMLInputElement} */ (h("input", "cchc-ce-na"));
      na.type = "checkbox";
      na.checked = node.allow_na;
      na.id = `cchc-ce-na-${node.code}`;
      na.addEventListener("change", () => send({ type: "set", code: node.code, field: "allow_na", value: na.checked }));
      const naLabel = h("label", "cchc-ce-na-label", "cho phép «Không áp dụng»");
      naLabel.htmlFor = na.id;
      const evidence = field(`Tài liệu kiểm chứng mục ${node.code}`, node.evidence, "cchc-ce-evidence", (v) => send({ type: "set", code: node.code, field: "evidence", value: v }));
      evidence.placeholder = "tài liệu kiểm chứng";
      detail.append(rule, na, naLabel, evidence);
      if (node.how) detail.append(h("div", "cchc-ce-how", node.how));
      row.append(detail);
    }
    if (node.problems.length) {
      const list = h("ul", "cchc-ce-problems");
      for (const text of node.problems) list.append(h("li", null, text));
      row.append(list);
    }
    row.append(adding);
    return row;
  }

  function drawTree() {
    const nodes = model.get("tree");
    if (first) { for (const n of nodes) if (n.level === 1) open.add(n.code); first = false; }
    // problems deep in the tree open the way to them
    const byCode = new Map(nodes.map((n) => [n.code, n]));
    for (const n of nodes) {
      if (!n.problems.length) continue;
      for (let p = n.parent; p; p = byCode.get(p)?.parent) open.add(p);
    }
    tree.replaceChildren();
    for (const n of nodes) {
      if (n.parent && !visible(n, byCode)) continue;
      tree.append(drawRow(n));
    }
    const bottom = h("div", "cchc-ce-bottom");
    bottom.append(addForm(null));
    tree.append(bottom);
  }

  function visible(n, byCode) {
    for (let p = n.parent; p; p = byCode.get(p)?.parent) if (!open.has(p)) return false;
    return true;
  }

  function drawRanks() {
    const info = model.get("info");
    ranks.replaceChildren();
    if (!info.has_scores) return;
    ranks.append(h("h3", "cchc-ce-ranks-title", "Thứ hạng theo bộ đang sửa"));
    for (const text of info.rank_notes) ranks.append(h("div", "cchc-ce-rank-note", text));
    if (!info.ranks.length) return;
    const table = h("table", "cchc-ce-grid");
    const head = h("tr");
    for (const t of ["Đơn vị", "Hạng", "Hạng mới", "Thay đổi", "Chỉ số (%)", "Chỉ số mới (%)"]) head.append(h("th", null, t));
    table.append(head);
    for (const r of info.ranks) {
      const tr = h("tr", "cchc-ce-rank-row");
      tr.dataset.unit = r.unit;
      const delta = r.delta === null ? "—" : r.delta === 0 ? "0" : r.delta < 0 ? `↑${-r.delta}` : `↓${r.delta}`;
      const cells = [r.name, r.rank ?? "—", r.new_rank ?? "—", delta, num(r.index), num(r.new_index)];
      cells.forEach((c, i) => { const td = h("td", i === 3 ? "cchc-ce-delta" : null, c); if (i === 3) td.dataset.delta = String(r.delta ?? 0); tr.append(td); });
      table.append(tr);
    }
    ranks.append(table);
  }

  function drawAlert() {
    const text = model.get("alert");
    alert.textContent = text;
    alert.style.display = text ? "block" : "none";
  }

  model.on("change:info", () => { drawHead(); drawRanks(); });
  model.on("change:tree", drawTree);
  model.on("change:alert", drawAlert);
  model.on("msg:custom", (msg, buffers) => { if (msg.type === "file") saveFile(msg, buffers); });
  drawHead(); drawTree(); drawRanks(); drawAlert();
  const link = watchConnection(model, el);
  return () => link.stop();
}

export default { render };
