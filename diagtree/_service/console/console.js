// The agent console: a complaint in, questions answered with buttons, a diagnosis out.
// The API key is typed once and kept in sessionStorage (this tab only, gone when it closes);
// every call sends it as `Authorization: Bearer KEY`. No library, no CDN: works offline.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let session = null;
  let demos = [];

  function key() { return sessionStorage.getItem("diagtree-key") || ""; }
  function locale() { return $("locale").value; }
  function showError(text) { $("error").textContent = text || ""; }

  async function call(method, path, body) {
    const response = await fetch(path, {
      method: method,
      headers: Object.assign({"Authorization": "Bearer " + key()},
                             body === undefined ? {} : {"Content-Type": "application/json"}),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json();
    if (!response.ok) {
      throw new Error((data.field ? data.field + ": " : "") + (data.detail || data.title));
    }
    return data;
  }

  async function loadDemos() {
    try {
      demos = await call("GET", "/demo/complaints");
    } catch (e) { showError(e.message); return; }
    const select = $("demo");
    select.textContent = "";
    demos.forEach(function (d, i) {
      const option = document.createElement("option");
      option.value = String(i);
      option.textContent = d.id + " · " + d.type + (d.text ? " · " + d.text : "");
      select.appendChild(option);
    });
    showError("");
  }

  function text(map) {
    if (!map) { return ""; }
    return map[locale()] || map.en || map["zh-CN"] || Object.values(map)[0] || "";
  }

  function render(view) {
    session = view;
    showError("");
    $("start").hidden = true;
    const asking = view.status === "asking";
    $("ask").hidden = !asking;
    $("result").hidden = asking;
    const answered = Object.keys(view.answers || {});
    $("back").disabled = answered.length === 0;
    $("answered").textContent = answered.length
      ? "Answered: " + answered.map((q) => q + " = " + view.answers[q]).join(", ") : "";
    if (asking) {
      const q = view.question;
      $("question-text").textContent = text(q.text) || q.id;
      const choices = $("choices");
      choices.textContent = "";
      const values = q.type === "bool" ? [true, false] : q.options;
      values.forEach(function (value) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "answer";
        b.dataset.value = String(value);
        b.textContent = value === true ? "Yes / 是" : value === false ? "No / 否" : value;
        b.addEventListener("click", () => step("answers", {question: q.id, value: value}));
        choices.appendChild(b);
      });
      return;
    }
    const d = view.diagnosis;
    $("cause").textContent = d.cause + " (" + d.resolution + ")";
    // shown when the library provides them (the agent explanation, the other causes found)
    const explanation = d.explanation;
    $("explanation").textContent = explanation
      ? (typeof explanation === "string" ? explanation : text(explanation))
      : "(none: read the script)";
    const also = d.also_found || [];
    $("also-found").textContent = also.length
      ? also.map((a) => (typeof a === "string" ? a : a.cause || JSON.stringify(a))).join(", ")
      : "—";
    $("deadline").textContent = d.feedback_due + " (" + d.feedback_kind + ")";
    $("grade").textContent = d.grade;
    $("script").textContent = d.script;
    $("result-back").disabled = answered.length === 0;
  }

  async function step(kind, body) {
    try {
      render(await call("POST", "/sessions/" + session.id + "/" + kind,
                        Object.assign({expected_version: session.version}, body || {})));
    } catch (e) { showError(e.message); }
  }

  $("save-key").addEventListener("click", function () {
    sessionStorage.setItem("diagtree-key", $("key").value);
    $("key").value = "";
    loadDemos();
  });
  $("use-demo").addEventListener("click", function () {
    const d = demos[Number($("demo").value)];
    if (d) { $("complaint").value = JSON.stringify(d.complaint, null, 2); }
  });
  $("start-session").addEventListener("click", async function () {
    let complaint;
    try { complaint = JSON.parse($("complaint").value); } catch (e) {
      showError("complaint: not valid JSON (" + e.message + ")"); return;
    }
    try {
      render(await call("POST", "/sessions", {complaint: complaint, locale: locale()}));
    } catch (e) { showError(e.message); }
  });
  $("back").addEventListener("click", () => step("back"));
  $("result-back").addEventListener("click", () => step("back"));
  $("new").addEventListener("click", function () {
    session = null;
    $("start").hidden = false; $("ask").hidden = true; $("result").hidden = true;
  });
  if (key()) { loadDemos(); }
}());
