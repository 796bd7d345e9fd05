// Submitting the self-assessment (part of scoring_form.js's view): the box at the end of the
// form and the checklist dialog before «Nộp», whose items lead to the rows still to be done.

function checklistText(list) {
  const parts = [];
  if (list.unscored.length) parts.push(`${list.unscored.length} mục chưa chấm`);
  if (list.lacking.length) parts.push(`${list.lacking.length} mục thiếu tài liệu kiểm chứng`);
  return parts.join(", ");
}

function drawFooter(form, st) {
  const { footer, dialog } = form;
  footer.replaceChildren();
  footer.hidden = !st.can_submit;
  if (!st.can_submit) { if (dialog.open) dialog.close(); return; }
  const list = st.checklist;
  footer.append(h("h3", null, "Nộp bản tự đánh giá"), h("p", "cchc-submit-state", list.ok
    ? "Mọi mục đã chấm và có tài liệu kiểm chứng hoặc giải trình: có thể nộp."
    : `Chưa nộp được: còn ${checklistText(list)}.`));
  const open = h("button", "cchc-submit", "Nộp bản tự đánh giá…");
  open.type = "button";
  open.addEventListener("click", () => { drawDialog(form); dialog.showModal(); });
  footer.append(open);
  if (dialog.open) drawDialog(form); // a colleague's change arrives while it is open: the list follows
}

// one item of the checklist: a link that shows the form's filter and the row
function itemLink(form, item, key) {
  const li = h("li");
  const a = h("a", "cchc-checklist-item", `${item.code}. ${item.name}`);
  a.href = `#cchc-row-${item.code}`;
  a.dataset.code = item.code;
  a.addEventListener("click", (e) => {
    e.preventDefault();
    form.dialog.close();
    form.filter = key;
    drawHead(form);
    applyFilter(form);
    const r = form.rows.get(item.code);
    if (r) { r.el.scrollIntoView({ block: "center" }); (r.el.querySelector("input, select, textarea") || r.el).focus(); }
  });
  li.append(a);
  return li;
}

function drawDialog(form) {
  const { dialog } = form;
  const list = form.state().checklist;
  dialog.replaceChildren();
  if (!list) return;
  const title = h("h3", null, "Nộp bản tự đánh giá");
  title.id = "cchc-submit-title";
  dialog.append(title);
  dialog.append(h("p", "cchc-checklist-summary", list.ok
    ? `Sau khi nộp, ${form.state().unit_name} không sửa được bản tự đánh giá nữa (Sở Nội vụ mở lại nếu cần, có ghi lý do); Sở Nội vụ bắt đầu thẩm định.`
    : `Chưa nộp được: còn ${checklistText(list)}. Chọn một mục để đến chỗ cần sửa.`));
  const group = (cls, heading, items, key) => {
    if (!items.length) return;
    const box = h("div", cls);
    box.append(h("h4", null, `${heading} (${items.length})`));
    const ul = h("ul");
    for (const item of items) ul.append(itemLink(form, item, key));
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
  go.addEventListener("click", () => { dialog.close(); form.inflight += 1; form.model.send({ type: "submit" }); });
  const cancel = h("button", "cchc-submit-cancel", "Để sau");
  cancel.type = "button";
  cancel.addEventListener("click", () => dialog.close());
  buttons.append(go, cancel);
  dialog.append(buttons);
}
