// View of ProgressBoard: the period's units as the kernel computed them (services.progress);
// the page only sorts, filters by group (and by block, in a period of several) and links each
// unit to its form.

const day = (iso) => (iso ? iso.slice(0, 10).split("-").reverse().join("/") : "");
const instant = (iso) => (iso ? `${iso.slice(11, 16)} ${day(iso)}` : "");

// the scoring page beside this one (admin.ipynb or scoring.ipynb → scoring.ipynb)
function formLink(unit, period, stage) {
  const path = window.location.pathname.replace(/[^/]*\.ipynb$/, "scoring.ipynb");
  return `${path}?${new URLSearchParams({ unit, period, stage })}`;
}

function render({ model, el }) {
  ensureShutdownToken();
  el.classList.add("cchc-progress-board");
  let sortKey = "name";
  let ascending = true;
  let group = "";
  let block = "";
  let period = null;

  // how each column reads and sorts: [key, heading, cell text, sort value (null: blank, which
  // sorts last whichever way, as spreadsheets do)]; each unit's block
  // beside its name when the period has several (`blocks`: [id, label] in the decision's order)
  const COLUMNS = (names, blocks) => [
    ["name", names.name, (r) => r.name, (r) => r.name],
    ...(blocks.length
      ? [["block", names.block, (r) => new Map(blocks).get(r.block), (r) => blocks.findIndex((b) => b[0] === r.block)]]
      : []),
    ["group", names.group, (r) => r.group, (r) => r.group || null],
    ["scored", names.scored, (r) => `${r.scored}/${r.leaves}`, (r) => r.scored],
    ["lacking", names.lacking, (r) => String(r.lacking), (r) => r.lacking],
    ["submitted_at", names.submitted_at, (r) => (r.submitted_at ? `${instant(r.submitted_at)} · ${r.submitted_by}` : "Chưa nộp"), (r) => r.submitted_at || null],
    ["appraised", names.appraised, (r) => `${r.appraised}/${r.leaves}`, (r) => r.appraised],
    ["unreasoned", names.unreasoned, (r) => String(r.unreasoned), (r) => r.unreasoned],
    ["deadline", names.deadline, (r) => day(r.deadline) || "—", (r) => r.deadline || null],
  ];

  // what is drawn, redrawn whole on every change; the connection notice (page.js) stays above it
  const view = h("div", "cchc-pb-view");
  el.append(view);
  function draw() {
    const st = model.get("state") || {};
    view.replaceChildren();
    if (!st.rows) return;
    if (st.period !== period) { period = st.period; group = ""; block = ""; } // another period: its own groups and blocks
    const s = st.summary;
    const head = h("div", "cchc-pb-head");
    head.append(h("h3", null, `Tiến độ các đơn vị (${st.rows.length})`));
    head.append(h("p", "cchc-pb-summary",
      `Đã nộp ${s.submitted}/${s.units} · Thẩm định xong ${s.appraised}/${s.units} · ${s.unreasoned} dòng khác nhau chưa có lý do`));
    const tools = h("div", "cchc-pb-tools");
    // a filter: [its class, its heading, the choices, the one chosen, what choosing does]
    const filters = [
      ["block", "Khối ", [["", "Mọi khối"], ...st.blocks], block, (v) => { block = v; }],
      ["group", "Nhóm ", [["", "Mọi nhóm"], ...st.groups.map((g) => [g, g])], group, (v) => { group = v; }],
    ];
    for (const [key, heading, choices, chosen, choose] of filters) {
      if (choices.length <= 2) continue; // one block or group only: nothing to choose
      const label = h("label", `cchc-pb-${key}`, heading);
      const pick = h("select", `cchc-pb-${key}-select`);
      for (const [id, text] of choices) {
        const o = h("option", null, text);
        o.value = id;
        o.selected = id === chosen;
        pick.append(o);
      }
      pick.addEventListener("change", () => { choose(pick.value); draw(); });
      label.append(pick);
      tools.append(label);
    }
    for (const [format, text] of [["xlsx", "Tải bảng (Excel)"], ["csv", "Tải bảng (CSV)"]]) {
      const b = h("button", `cchc-pb-download-${format}`, text);
      b.type = "button";
      b.addEventListener("click", () => model.send({ type: "download", format, group, block })); // what is shown is written
      tools.append(b);
    }
    head.append(tools);
    const alert = h("div", "cchc-pb-alert", model.get("alert"));
    alert.setAttribute("role", "alert");
    view.append(head, alert);

    const columns = COLUMNS(st.columns, st.blocks);
    const table = h("table", "cchc-pb-table");
    const tr = h("tr");
    for (const [key, heading] of columns) {
      const th = h("th");
      th.setAttribute("aria-sort", key === sortKey ? (ascending ? "ascending" : "descending") : "none");
      const b = h("button", `cchc-pb-sort cchc-pb-sort-${key}`, heading + (key === sortKey ? (ascending ? " ▲" : " ▼") : ""));
      b.type = "button";
      b.addEventListener("click", () => { ascending = key === sortKey ? !ascending : true; sortKey = key; draw(); });
      th.append(b);
      tr.append(th);
    }
    const thead = h("thead");
    thead.append(tr);
    table.append(thead);
    const value = columns.find((c) => c[0] === sortKey)[3];
    const rows = st.rows.filter((r) => (!group || r.group === group) && (!block || r.block === block));
    rows.sort((a, b) => {
      const x = value(a), y = value(b);
      if (x === null || y === null) return (x === null) - (y === null); // blanks last, ▲ and ▼ alike
      const order = typeof x === "number" ? x - y : String(x).localeCompare(String(y), "vi");
      return ascending ? order : -order;
    });
    const tbody = h("tbody");
    for (const r of rows) {
      const row = h("tr", "cchc-pb-row");
      row.dataset.unit = r.unit;
      for (const [key, heading, text] of columns) {
        const td = h("td", `cchc-pb-${key}`);
        td.dataset.label = heading; // a phone shows each row as a card, every figure named
        if (key === "name") {
          const a = h("a", "cchc-pb-link", r.name);
          a.href = formLink(r.unit, st.period, "self");
          a.title = `Mở phiếu tự đánh giá của ${r.name}`;
          const appraisal = h("a", "cchc-pb-link-appraisal", "thẩm định");
          appraisal.href = formLink(r.unit, st.period, "appraisal");
          appraisal.title = `Mở phiếu thẩm định của ${r.name}`;
          td.append(a, h("span", null, " · "), appraisal);
        } else {
          td.textContent = text(r);
          if ((key === "lacking" || key === "unreasoned") && r[key] > 0) td.classList.add("cchc-pb-attention");
        }
        row.append(td);
      }
      tbody.append(row);
    }
    table.append(tbody);
    view.append(table);
  }

  model.on("msg:custom", (msg, buffers) => { if (msg.type === "file") saveFile(msg, buffers); });
  model.on("change:state", draw);
  model.on("change:alert", draw);
  draw();
  // follow the store like the scoring form: the kernel answers each ping and sends the table
  // again when the period moved; no answer: the page says so
  const link = watchConnection(model, el);
  return () => link.stop();
}

export default { render };
