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

  function errorText(response, data) {
    if (data && data.error) { return data.error; }
    if (response.status === 429) { return "You are voting too fast. Wait a minute and try again."; }
    if (response.status === 400) { return "The page has expired. Reload it and try again."; }
    return "Your vote could not be recorded. Reload the page and try again.";
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
      state.textContent = data.voted
        ? "You have seen this: press again to take it back."
        : "Seen it at your library? Say so.";
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
        announce(box, errorText(response, null));
        return null;
      }
      return response.json().then(function (data) {
        if (response.ok) { update(box, data); } else { announce(box, errorText(response, data)); }
      });
    }).catch(function () {
      announce(box, "No connection: your vote was not recorded. Try again.");
    }).then(function () {
      button.disabled = false;
    });
  }

  document.addEventListener("submit", onSubmit);
})();
