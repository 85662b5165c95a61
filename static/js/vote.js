// "I've seen this" without a page reload. Progressive enhancement: the form posts normally
// without this file (or when anything here fails before the request is sent).
(function () {
  "use strict";

  function announce(box, text) {
    var status = box.querySelector("[data-vote-status]");
    if (!status) { return; }
    // Clear first so the same message twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  // Every sentence comes from the page (data-text-* on .vote-box), in the reader's language.
  function text(box, name) {
    return box.getAttribute("data-text-" + name) || "";
  }

  function errorText(box, response, data) {
    if (data && data.error) { return data.error; }
    if (response.status === 429) { return text(box, "too-fast"); }
    if (response.status === 400) { return text(box, "expired"); }
    return text(box, "failed");
  }

  function update(box, data) {
    var count = box.querySelector("[data-vote-count]");
    var label = box.querySelector("[data-vote-label]");
    var state = box.querySelector("[data-vote-state]");
    var button = box.querySelector(".vote-form button");
    if (count) { count.textContent = String(data.count); }
    if (label) { label.textContent = data.label; }
    if (button) {
      button.setAttribute("aria-pressed", data.voted ? "true" : "false");
      button.classList.toggle("button-voted", data.voted);
    }
    if (state) {
      state.textContent = text(box, data.voted ? "voted" : "not-voted");
    }
    announce(box, data.message);
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("vote-form") || !window.fetch) { return; }
    event.preventDefault();
    var box = form.closest(".vote-box");
    var button = form.querySelector("button");
    var body = new FormData(form);
    var token = body.get("csrf_token");
    if (button.disabled) { return; }
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token || "" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        if (response.redirected || response.status === 401) {
          // Logged out meanwhile: let the browser follow the normal flow to the login page.
          window.location.href = response.url;
          return null;
        }
        announce(box, errorText(box, response, null));
        return null;
      }
      return response.json().then(function (data) {
        if (response.ok) { update(box, data); } else { announce(box, errorText(box, response, data)); }
      });
    }).catch(function () {
      announce(box, text(box, "offline"));
    }).then(function () {
      button.disabled = false;
    });
  }

  document.addEventListener("submit", onSubmit);
})();
