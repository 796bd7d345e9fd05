// The scoring form's top (part of scoring_form.js's view): the selectors of period, unit and
// stage, who is scoring, the buttons that ask the kernel for a file or send it one, and the
// messages about them (a file's report, a colleague's change, an alert).

function drawTop(form) {
  const { model, top } = form;
  const st = form.state();
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
    sel.addEventListener("change", () => sendSelect());
    wrap.append(sel);
    top.append(wrap);
    return sel;
  };
  const ch = st.choices || { periods: [], units: [], stages: [] };
  const period = pick("Kỳ đánh giá", "cchc-select-period", ch.periods, st.period);
  const unit = pick("Đơn vị", "cchc-select-unit", ch.units, st.unit);
  const stage = pick("Giai đoạn", "cchc-select-stage", ch.stages, st.stage);
  function sendSelect() {
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
    input.value = form.author;
    input.addEventListener("input", () => { form.author = input.value; localStorage.setItem("cchc-author", form.author); });
    who.append(input);
    top.append(who);
  }
  const button = (cls, text, title, type) => {
    const b = h("button", cls, text);
    b.title = title;
    b.addEventListener("click", () => model.send({ type }));
    top.append(b);
  };
  if (st.can_export && st.user) {
    button("cchc-log", "Tải nhật ký thay đổi", "Mọi thay đổi của cả kỳ: thời gian, người, đơn vị, mã, giai đoạn, cũ → mới, lý do", "log");
  }
  if (st.can_export) {
    button("cchc-export", "Tải sổ kết quả (Excel)", "Sổ kết quả của cả kỳ: bảng tổng hợp, từng đơn vị, các kịch bản", "export");
  }
  button("cchc-print", "In phiếu chấm điểm (PDF)",
    "Phiếu của đơn vị và giai đoạn đang mở: mọi tiêu chí, điểm, ghi chú, tài liệu, lý do, tổng điểm và chỗ ký", "sheet");
  button("cchc-template", "Tải mẫu phiếu Excel", "Phiếu của đơn vị đang mở, đã điền sẵn những gì đã chấm; gửi lại để nhập", "template");
  top.append(uploader(form, "cchc-import-scores", "Nhập phiếu Excel đã điền", "import_scores",
    "Phiếu tự đánh giá / thẩm định đã điền (mẫu tải ở trên) hoặc bảng điểm .csv/.xlsx; tệp có lỗi không được lưu"));
  if (st.stage === "appraisal" && st.has_survey && st.can_survey) {
    button("cchc-survey-template", "Tải mẫu phiếu khảo sát",
      "Bảng trống có danh sách đơn vị, câu hỏi và đáp án; điền xong thì nhập ở nút bên cạnh", "survey_template");
    top.append(uploader(form, "cchc-import-survey", "Nhập phiếu khảo sát", "import_survey",
      "Bảng .xlsx/.csv: đơn vị, phiếu, nhóm, câu hỏi, trả lời (A–D) — một dòng cho mỗi người × câu hỏi"));
  }
  // said once, not on every row, to those who upload (an appraiser's phone keeps the line for the form)
  if (st.can_evidence) top.append(h("p", "cchc-limits", `Tài liệu kiểm chứng: ${st.limits}.`));
}

// a button that sends the chosen file to the kernel, which checks it whole and answers with a report
function uploader(form, cls, text, type, title) {
  const label = h("label", `cchc-button ${cls}`, text);
  label.title = title;
  const input = h("input", `${cls}-file cchc-visually-hidden`); // reached by the keyboard, named by the label
  input.type = "file";
  input.accept = ".xlsx,.csv";
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    showReport(form, { ok: true, message: `Đang kiểm tra '${file.name}'…`, problems: [] });
    form.heavySince = Date.now();
    form.inflight += 1; // answered by a report: until then the kernel may be busy with the file (30 s of patience)
    form.model.send({ type, name: file.name, author: form.author }, undefined, [await file.arrayBuffer()]);
    input.value = "";
  });
  label.append(input);
  return label;
}

function showReport(form, msg) {
  const { report } = form;
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

// a colleague's change arrived: say who, without touching what is typed
function showNotice(form, text) {
  form.notice.textContent = text;
  clearTimeout(form.noticeTimer);
  form.noticeTimer = setTimeout(() => { form.notice.textContent = ""; }, 10000);
}

function drawAlert(form) {
  const text = form.model.get("alert");
  form.alert.textContent = text || "";
  form.alert.style.display = text ? "block" : "none";
}
