// View of WhatIfApp: sliders, table and SVG charts drawn from the kernel's results.
const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
const dash = (code) => String(code).replace(/\./g, "-");

function render({ model, el }) {
  ensureShutdownToken();
  unclip(el);
  el.classList.add("cchc-wi");
  const controls = h("div", "cchc-wi-controls");
  const alert = h("div", "cchc-wi-alert");
  const stats = h("div", "cchc-wi-stats");
  const charts = h("div", "cchc-wi-charts");
  const table = h("div", "cchc-wi-table");
  table.tabIndex = 0; // a box that scrolls sideways on a phone: the keyboard can scroll it too
  table.setAttribute("role", "region");
  table.setAttribute("aria-label", "Bảng so sánh thứ hạng");
  el.append(controls, alert, stats, charts, table);
  let timer = null;
  let pending = {};
  let sortByShift = true;
  const sliders = new Map();
  let author = localStorage.getItem("cchc-author") || "";
  let heavySince = 0; // when the page last asked for the results workbook

  function sendWeights() {
    clearTimeout(timer);
    if (!Object.keys(pending).length) return;
    model.send({ type: "weights", weights: pending });
    pending = {};
  }

  function slider(node, depth) {
    const row = h("div", `cchc-wi-node cchc-wi-depth-${depth}`);
    const label = h("span", "cchc-wi-label", `${node.code}. ${node.name}`);
    const input = h("input", `cchc-wi-slider cchc-wi-slider-${dash(node.code)}`);
    input.type = "range"; input.min = "0"; input.max = "3"; input.step = "0.05"; input.value = "1";
    input.setAttribute("aria-label", `Trọng số ${node.code}. ${node.name}`);
    const value = h("span", "cchc-wi-value", "×1");
    const maxText = h("span", "cchc-wi-max", "");
    input.addEventListener("input", () => {
      value.textContent = `×${num(input.value)}`;
      pending[node.code] = Number(input.value);
      clearTimeout(timer);
      timer = setTimeout(sendWeights, 60);
    });
    input.addEventListener("change", sendWeights);
    row.append(label, input, value, maxText);
    sliders.set(node.code, { input, value, maxText, base: node.max });
    if (!node.leaf) {
      const more = h("button", "cchc-wi-more", "chi tiết");
      more.setAttribute("aria-label", `chi tiết: các mục con của ${node.code}`);
      const box = h("div", "cchc-wi-children");
      more.addEventListener("click", () => {
        if (box.childElementCount) { box.replaceChildren(); return; }
        model.send({ type: "children", code: node.code });
      });
      row.append(more);
      row._children = box;
      const wrap = h("div", "cchc-wi-group");
      wrap.append(row, box);
      wrap.dataset.code = node.code;
      return wrap;
    }
    return row;
  }

  function drawControls() {
    const st = model.get("setup");
    namePage(`Thử trọng số — kỳ ${st.period}`);
    controls.replaceChildren();
    sliders.clear();
    const head = h("div", "cchc-wi-head");
    const periodSel = h("select", "cchc-wi-period");
    periodSel.setAttribute("aria-label", "Kỳ đánh giá");
    for (const p of st.periods) { const o = h("option", null, (st.period_names || {})[p] || `Năm ${p}`); o.value = p; o.selected = p === st.period; periodSel.append(o); }
    periodSel.addEventListener("change", () => model.send({ type: "period", period: periodSel.value }));
    head.append(h("span", "cchc-wi-title", "Thử trọng số — "), periodSel, h("span", "cchc-wi-set", ` ${st.criteria_set}`));
    if (Object.keys(st.blocks || {}).length) { // a period of several blocks: one block (one criteria set) at a time
      const blockSel = h("select", "cchc-wi-block");
      blockSel.setAttribute("aria-label", "Khối đơn vị");
      for (const [b, label] of Object.entries(st.blocks)) { const o = h("option", null, label); o.value = b; o.selected = b === st.block; blockSel.append(o); }
      blockSel.addEventListener("change", () => model.send({ type: "block", block: blockSel.value }));
      head.insertBefore(blockSel, head.lastChild);
    }
    const buttons = h("div", "cchc-wi-buttons");
    const equal = h("button", "cchc-wi-equal", "Trọng số bằng nhau");
    equal.addEventListener("click", () => model.send({ type: "equal" }));
    const reset = h("button", "cchc-wi-reset", "Đặt lại");
    reset.addEventListener("click", () => model.send({ type: "reset" }));
    const workbook = h("button", "cchc-wi-workbook", "Tải sổ kết quả (Excel)");
    workbook.addEventListener("click", () => { heavySince = Date.now(); model.send({ type: "workbook" }); });
    buttons.append(equal, reset, workbook);
    const list = h("div", "cchc-wi-sliders");
    for (const d of st.domains) list.append(slider(d, 1));
    const save = h("div", "cchc-wi-saving");
    const name = h("input", "cchc-wi-name"); name.placeholder = "Tên kịch bản"; name.value = st.name || "";
    const desc = h("input", "cchc-wi-description"); desc.placeholder = "Mô tả"; desc.value = st.description || "";
    const who = h("input", "cchc-wi-author"); who.placeholder = "Người lập"; who.value = author;
    for (const input of [name, desc, who]) input.setAttribute("aria-label", input.placeholder);
    who.addEventListener("input", () => { author = who.value; localStorage.setItem("cchc-author", author); });
    const saveBtn = h("button", "cchc-wi-save", "Lưu kịch bản");
    saveBtn.addEventListener("click", () => {
      const wanted = name.value.trim().normalize("NFC");
      const exists = st.scenarios.some(([n]) => n === wanted);
      if (exists && !window.confirm(`Đã có kịch bản «${wanted}». Ghi đè? Kịch bản cũ sẽ mất và kịch bản mới là bản nháp.`)) return;
      model.send({ type: "save", name: name.value, description: desc.value, author, replace: exists });
    });
    const saved = h("select", "cchc-wi-scenarios");
    saved.setAttribute("aria-label", "Kịch bản đã lưu");
    const marks = new Map(st.scenarios.map(([n, , , r]) => [n, r]));
    for (const [n, d, , r] of st.scenarios) {
      const o = h("option", null, `${n}${d ? ` — ${d}` : ""} (${r ? "trong báo cáo" : "nháp"})`);
      o.value = n;
      saved.append(o);
    }
    const load = h("button", "cchc-wi-load", "Mở");
    load.addEventListener("click", () => saved.value && model.send({ type: "load", name: saved.value }));
    const mark = h("button", "cchc-wi-mark", "");
    const markText = () => { mark.textContent = marks.get(saved.value) ? "Bỏ khỏi báo cáo" : "Đưa vào báo cáo"; };
    mark.title = "Chỉ kịch bản được đưa vào báo cáo mới xuất hiện trong báo cáo năm và sổ kết quả; kịch bản khác là bản nháp";
    mark.addEventListener("click", () => saved.value && model.send({ type: "mark", name: saved.value, for_report: !marks.get(saved.value) }));
    saved.addEventListener("change", markText);
    markText();
    const del = h("button", "cchc-wi-delete", "Xóa");
    del.addEventListener("click", () => {
      if (saved.value && window.confirm(`Xóa kịch bản «${saved.value}»? Không lấy lại được.`)) model.send({ type: "delete", name: saved.value });
    });
    const exp = h("button", "cchc-wi-export", "Tải YAML");
    exp.addEventListener("click", () => model.send({ type: "export" }));
    const notice = h("span", "cchc-wi-notice", "");
    save.append(name, desc, who, saveBtn, h("span", null, " Đã lưu: "), saved, load, mark, del, exp, notice);
    controls.append(head, buttons, list, save);
  }

  function drawExtra() {
    const extra = model.get("extra");
    for (const group of controls.querySelectorAll(".cchc-wi-group")) {
      const code = group.dataset.code;
      const box = group.querySelector(":scope > .cchc-wi-children");
      if (extra[code] && !box.childElementCount) {
        const depth = code.split(".").length + 1;
        for (const n of extra[code]) box.append(slider(n, depth));
      }
    }
    syncSliders();
  }

  function syncSliders() {
    const r = model.get("result");
    for (const [code, sl] of sliders) {
      const w = r.weights[code] ?? 1;
      if (document.activeElement !== sl.input && !(code in pending)) { sl.input.value = String(w); sl.value.textContent = `×${num(w)}`; }
      const m = r.node_max[code];
      sl.maxText.textContent = m === undefined ? "" : ` ${num(m)} điểm`;
    }
  }

  function drawStats() {
    const r = model.get("result");
    stats.replaceChildren(
      h("span", "cchc-wi-spearman", `Spearman ρ = ${num(r.spearman, 3)}`),
      h("span", null, " · "),
      h("span", "cchc-wi-kendall", `Kendall τ = ${num(r.kendall, 3)}`),
      h("span", null, " · "),
      h("span", "cchc-wi-class-changes", `${r.class_changes} đơn vị đổi xếp loại`),
      h("span", null, ` · tổng điểm tối đa ${num(r.total_max)} · bất định: ${r.samples} mẫu, ±25 %`),
    );
    if (r.rules.length) stats.append(h("div", "cchc-wi-rules", `Kịch bản đổi quy tắc chấm: ${r.rules.join(", ")}`));
  }

  function drawTable() {
    const r = model.get("result");
    const rows = [...r.rows];
    if (!sortByShift) rows.sort((a, b) => (a.rank_alt ?? 1e9) - (b.rank_alt ?? 1e9));
    const t = h("table", "cchc-wi-grid");
    const head = h("tr");
    for (const [label, cls] of [["Hạng mới", "rank"], ["Đơn vị", ""], ["Chỉ số mới", ""], ["Xếp loại", ""], ["Hạng cũ", ""], ["Δ hạng", "cchc-wi-sort"], ["Trung vị (5–95 %)", ""]]) {
      const th = h("th", cls, label);
      if (cls === "cchc-wi-sort") { th.title = "Bấm để sắp theo |Δ hạng| hoặc theo hạng mới"; th.addEventListener("click", () => { sortByShift = !sortByShift; drawTable(); }); }
      head.append(th);
    }
    t.append(head);
    for (const row of rows) {
      const tr = h("tr", `cchc-wi-row cchc-wi-row-${row.unit}`);
      const delta = row.delta === null ? "—" : row.delta > 0 ? `▼ ${row.delta}` : row.delta < 0 ? `▲ ${-row.delta}` : "0";
      const cells = [row.rank_alt ?? "—", row.name, `${num(row.index_alt, model.get("setup").decimals, true)} %`, row.class_alt || "—", row.rank_base ?? "—", delta, row.median === null ? "—" : `${row.median} (${row.q05}–${row.q95})`];
      cells.forEach((c, i) => {
        const td = h("td", i === 5 ? "cchc-wi-delta" : i === 0 ? "cchc-wi-rank" : null, String(c));
        if (i === 5) td.dataset.delta = row.delta ?? 0;
        if (i === 3 && row.class_alt !== row.class_base) td.classList.add("cchc-wi-class-changed");
        tr.append(td);
      });
      t.append(tr);
    }
    table.replaceChildren(t);
  }

  function drawCharts() {
    const r = model.get("result");
    const rows = [...r.rows].sort((a, b) => (a.rank_alt ?? 1e9) - (b.rank_alt ?? 1e9));
    const n = rows.length;
    const rowH = 18, left = 230, width = 560, top = 28, height = top + n * rowH + 10;
    const x = (rank) => left + ((rank - 1) / Math.max(1, n - 1)) * (width - left - 20);
    // rank shift: baseline rank → scenario rank (dumbbell)
    const shift = s("svg", { class: "cchc-wi-shift-chart", viewBox: `0 0 ${width} ${height}`, width, height });
    shift.append(s("text", { x: 4, y: 14, class: "cchc-wi-chart-title" }, "Đổi hạng: ○ hiện trạng → ● kịch bản"));
    rows.forEach((row, i) => {
      const y = top + i * rowH + rowH / 2;
      shift.append(s("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "cchc-wi-axis" }, row.name));
      if (row.rank_base === null || row.rank_alt === null) return;
      const cls = row.delta < 0 ? "up" : row.delta > 0 ? "down" : "same";
      shift.append(s("line", { x1: x(row.rank_base), x2: x(row.rank_alt), y1: y, y2: y, class: `cchc-wi-link ${cls}` }));
      shift.append(s("circle", { cx: x(row.rank_base), cy: y, r: 4, class: "cchc-wi-base" }));
      shift.append(s("circle", { cx: x(row.rank_alt), cy: y, r: 4, class: `cchc-wi-alt ${cls}`, "data-unit": row.unit }));
    });
    // uncertainty: median rank with 5–95 % interval
    const unc = s("svg", { class: "cchc-wi-uncertainty-chart", viewBox: `0 0 ${width} ${height}`, width, height });
    unc.append(s("text", { x: 4, y: 14, class: "cchc-wi-chart-title" }, "Hạng khi trọng số ±25 %: trung vị, khoảng 5–95 %"));
    rows.forEach((row, i) => {
      const y = top + i * rowH + rowH / 2;
      unc.append(s("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "cchc-wi-axis" }, row.name));
      if (row.median === null) return; // not ranked («Chưa thẩm định»): no rank to vary
      unc.append(s("line", { x1: x(row.q05), x2: x(row.q95), y1: y, y2: y, class: "cchc-wi-interval", "data-unit": row.unit }));
      unc.append(s("circle", { cx: x(row.median), cy: y, r: 4, class: "cchc-wi-median" }));
    });
    for (const svg of [shift, unc]) {
      for (const rank of [1, Math.ceil(n / 2), n]) svg.append(s("text", { x: x(rank), y: height - 1, "text-anchor": "middle", class: "cchc-wi-axis" }, String(rank)));
    }
    charts.replaceChildren(shift, unc);
  }

  function drawAlert() {
    alert.textContent = model.get("alert") || "";
    alert.style.display = model.get("alert") ? "block" : "none";
  }

  model.on("msg:custom", (msg, buffers) => {
    if (msg.type === "notice") { const n = controls.querySelector(".cchc-wi-notice"); if (n) n.textContent = ` ${msg.text}`; }
    if (msg.type === "file") saveFile(msg, buffers);
  });
  model.on("change:setup", () => { drawControls(); drawExtra(); });
  model.on("change:extra", drawExtra);
  model.on("change:result", () => { syncSliders(); drawStats(); drawTable(); drawCharts(); });
  model.on("change:alert", drawAlert);
  drawControls(); drawExtra(); drawStats(); drawTable(); drawCharts(); drawAlert();
  // the results workbook may keep the kernel busy a while: 30 s of patience after asking for it
  const link = watchConnection(model, el, { patience: () => (Date.now() - heavySince < 30000 ? 30000 : 5000) });
  return () => link.stop();
}

export default { render };
