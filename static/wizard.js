/* Comforts that only add to pages which work without them: show/hide the secret, copy the connection id,
   filter the regions and the sandboxes, a busy button while the server works, Test connection answered in
   place. Every label comes from the page, in the page's language (data-* attributes). */
(function () {
  "use strict";

  function button(text, label) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button secondary small";
    b.textContent = text;
    if (label) b.setAttribute("aria-label", label);
    return b;
  }

  function revealToggle(input) {
    var toggle = button(input.dataset.reveal, input.dataset.revealLabel);
    toggle.setAttribute("aria-pressed", "false");
    toggle.setAttribute("aria-controls", input.id);
    toggle.addEventListener("click", function () {
      var hidden = input.type === "password";
      input.type = hidden ? "text" : "password";
      toggle.textContent = hidden ? input.dataset.conceal : input.dataset.reveal;
      toggle.setAttribute("aria-label", hidden ? input.dataset.concealLabel : input.dataset.revealLabel);
      toggle.setAttribute("aria-pressed", hidden ? "true" : "false");
    });
    var row = document.createElement("div");
    row.className = "input-row";
    input.parentNode.insertBefore(row, input);
    row.appendChild(input);
    row.appendChild(toggle);
  }

  function copyButton(input) {
    var copy = button(input.dataset.copy, input.dataset.copyLabel);
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    copy.addEventListener("click", function () {
      input.select();
      var done = function () { status.textContent = input.dataset.copied; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
    // beside the field, on its line
    var row = input.closest(".copy-row") || input.parentNode;
    row.appendChild(copy);
    row.appendChild(status);
  }

  /* The region filter: a search box inside the region's own field, described by the field's help; when
     nothing matches, it says so and the region stays what it was. */
  function regionFilter(select) {
    var filter = document.createElement("input");
    filter.type = "search";
    filter.id = select.id + "-filter";
    filter.className = "filter";
    filter.setAttribute("autocomplete", "off");
    filter.setAttribute("aria-label", select.dataset.filterLabel);
    var status = document.createElement("p");
    status.className = "help filter-status";
    status.id = filter.id + "-status";
    status.setAttribute("role", "status");
    filter.setAttribute("aria-describedby", status.id);
    /* The short label as placeholder: the longer help would be cut on a phone (French especially). */
    filter.placeholder = select.dataset.filterLabel;
    var options = Array.prototype.slice.call(select.options);
    filter.addEventListener("input", function () {
      var wanted = filter.value.trim().toLowerCase();
      options.forEach(function (option) {
        var keep = !option.value || option.selected || option.text.toLowerCase().indexOf(wanted) !== -1;
        option.hidden = !keep;
        option.disabled = !keep;
      });
      var matching = options.filter(function (o) { return o.value && o.text.toLowerCase().indexOf(wanted) !== -1; });
      if (matching.length === 1) select.value = matching[0].value;
      var current = select.options[select.selectedIndex];
      status.textContent = wanted && !matching.length
        ? select.dataset.filterNone.replace("%(query)s", filter.value.trim()).replace("%(region)s", current ? current.text : "")
        : "";
    });
    select.parentNode.insertBefore(filter, select);
    select.parentNode.insertBefore(status, select.nextSibling);
  }

  /* The sandbox picker's search: the list shortens as one types (the page's own search works without it). */
  function listFilter(input) {
    var items = Array.prototype.slice.call(document.querySelectorAll(input.dataset.filterItems));
    var status = document.getElementById(input.dataset.filterStatus);
    var form = input.form;
    if (form) {          // the list follows the typing: the page's own search is not needed
      form.addEventListener("submit", function (event) { event.preventDefault(); });
      form.querySelectorAll("button").forEach(function (b) { b.hidden = true; });
    }
    input.addEventListener("input", function () {
      var wanted = input.value.trim().toLowerCase();
      var shown = 0;
      if (wanted) document.querySelectorAll("details.picker-more").forEach(function (d) { d.open = true; });
      items.forEach(function (item) {
        var match = !wanted || item.textContent.toLowerCase().indexOf(wanted) !== -1;
        item.hidden = !(match || item.querySelector("input:checked"));    // the chosen one stays in sight
        if (match) shown += 1;
      });
      if (status) status.textContent = wanted ? (shown ? "" : input.dataset.filterNone.replace("%(query)s", input.value.trim())) : "";
    });
  }

  /* A pressed button says what is under way, is disabled and aria-busy; the form is sent once. */
  function busy(form, pressed) {
    if (form.dataset.sent) return false;
    form.dataset.sent = "1";
    if (pressed && pressed.name) {          // a disabled button is not sent: keep what it says
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = pressed.name;
      hidden.value = pressed.value;
      hidden.dataset.pressed = "1";
      form.appendChild(hidden);
    }
    if (pressed) {
      pressed.setAttribute("aria-busy", "true");
      if (pressed.dataset.busy) {
        pressed.dataset.label = pressed.textContent;
        pressed.textContent = pressed.dataset.busy;
      }
    }
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      b.disabled = true;
    });
    var say = (pressed && pressed.dataset.busyStatus) || form.dataset.busyStatus;
    if (say) {
      var status = document.getElementById("busy-status");
      if (status) status.textContent = say;
    }
    return true;
  }

  function idle(form) {
    delete form.dataset.sent;
    form.querySelectorAll("input[type=hidden][data-pressed]").forEach(function (i) { i.remove(); });
    form.querySelectorAll("button").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
      if (b.dataset.label) b.textContent = b.dataset.label;
    });
    var status = document.getElementById("busy-status");
    if (status) status.textContent = "";
  }

  /* Test connection in place: the same POST as without JavaScript, its page's <main> put in place of this
     one (what was typed stays: the server sends it back, the secret is kept in the field here). */
  function testInPlace(form, pressed) {
    var data = new FormData(form);
    data.set(pressed.name, pressed.value);
    var secret = form.querySelector("input[type=password], input[data-reveal]");
    var typed = secret ? secret.value : "";
    // not form.action: the buttons named "action" shadow it
    return fetch(form.getAttribute("action") || window.location.href, {method: "POST", body: data, credentials: "same-origin",
                                                       headers: {"X-Requested-With": "fetch"}})
      .then(function (response) {
        if (response.redirected) { window.location.assign(response.url); return null; }
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("main");
        if (!fresh) { document.open(); document.write(html); document.close(); return; }
        var main = document.querySelector("main");
        main.innerHTML = fresh.innerHTML;
        enhance(main);
        var field = main.querySelector("input[type=password], input[data-reveal]");
        if (field && typed && !main.querySelector("#secret_key-error")) field.value = typed;
        var target = main.querySelector(".error-summary, #key-check, [role=alert]");
        if (target) { target.setAttribute("tabindex", "-1"); target.focus(); }
      })
      .catch(function () { idle(form); form.submit(); });
  }

  function busyForms(root) {
    root.querySelectorAll("form[method=post], form[method=POST]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var pressed = event.submitter;
        if (pressed && pressed.dataset.inPlace !== undefined && window.fetch && window.DOMParser) {
          event.preventDefault();
          if (busy(form, pressed)) testInPlace(form, pressed);
          return;
        }
        if (!busy(form, pressed)) event.preventDefault();
      });
    });
  }

  /* Demo mode's keys: a button fills the form with one (the page shows them for copying without it). */
  function demoFill(b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var set = function (id, value) {
        var input = document.getElementById(id);
        if (input) { input.value = value; input.dispatchEvent(new Event("change", {bubbles: true})); }
      };
      set("access_key_id", b.dataset.fillKey);
      set("secret_key", b.dataset.fillSecret);
      set("region", b.dataset.fillRegion);
      var name = document.getElementById("name");
      if (name && !name.value) name.focus(); else document.getElementById("secret_key").focus();
    });
  }

  function enhance(root) {
    root.querySelectorAll("button[data-fill-key]").forEach(demoFill);
    root.querySelectorAll("input[data-reveal]").forEach(revealToggle);
    root.querySelectorAll("input[data-copy], textarea[data-copy]").forEach(copyButton);
    root.querySelectorAll("select[data-filter-label]").forEach(regionFilter);
    root.querySelectorAll("input[data-filter-items]").forEach(listFilter);
    busyForms(root);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // Back from another page: the browser may show this page from memory, its buttons still busy
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(idle);
  });
})();
