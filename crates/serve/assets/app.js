// framelens workbench: keyboard coding, training progress, sheet import. No inline script anywhere (the
// Content-Security-Policy forbids it), no request outside this server.
"use strict";
(function () {
  const token = document.querySelector('meta[name="framelens-token"]').content;

  // Coding page: a key clicks the button that names it; typing in the note field is left alone.
  if (document.getElementById("paragraph")) {
    const note = document.getElementById("note");
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) {
        if (e.key === "Escape") t.blur();
        return;
      }
      if (e.key === "t" && note) { e.preventDefault(); note.focus(); return; }
      const key = e.key === "Backspace" ? "u" : e.key.toLowerCase();
      const button = document.querySelector('button[data-key="' + CSS.escape(key) + '"]');
      if (button) { e.preventDefault(); button.click(); }
    });
  }

  // Training page: follow the round until it ends, then reload to show the relabelled run.
  const status = document.getElementById("status");
  if (status && status.dataset.state === "running") {
    const log = document.getElementById("log");
    const poll = function () {
      fetch("/train/status", { headers: { "X-Framelens-Token": token } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          log.textContent = s.log.join("\n");
          log.scrollTop = log.scrollHeight;
          if (s.state === "running") {
            status.textContent = "Running: " + s.message + "…";
            setTimeout(poll, 1000);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 500);
  }

  // Import a sheet coded elsewhere.
  const file = document.getElementById("import-file");
  if (file) {
    file.addEventListener("change", function () {
      const coder = document.getElementById("import-coder").value.trim();
      const out = document.getElementById("import-result");
      if (!coder || !file.files.length) { out.textContent = "Name the coder first."; return; }
      file.files[0].text().then(function (text) {
        return fetch("/import?coder=" + encodeURIComponent(coder), {
          method: "POST", headers: { "X-Framelens-Token": token, "Content-Type": "text/csv" }, body: text,
        });
      }).then(function (r) { return r.text(); }).then(function (t) { out.textContent = t; });
    });
  }
})();
