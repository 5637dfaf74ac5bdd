/* Comforts that only add to pages which work without them: show/hide the secret, copy the
   connection id, filter the regions. Every label comes from the page, in the page's language. */
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
    var row = document.createElement("div");
    row.className = "copy-actions";
    row.appendChild(copy);
    row.appendChild(status);
    input.parentNode.insertBefore(row, input.nextSibling);
  }

  function regionFilter(select) {
    var filter = document.createElement("input");
    filter.type = "search";
    filter.id = select.id + "-filter";
    filter.className = "filter";
    filter.setAttribute("autocomplete", "off");
    var label = document.createElement("label");
    label.className = "label sub-label";
    label.htmlFor = filter.id;
    label.textContent = select.dataset.filterLabel;
    var help = document.createElement("p");
    help.className = "help";
    help.id = filter.id + "-help";
    help.textContent = select.dataset.filterHelp;
    filter.setAttribute("aria-describedby", help.id);
    var options = Array.prototype.slice.call(select.options);
    filter.addEventListener("input", function () {
      var wanted = filter.value.trim().toLowerCase();
      options.forEach(function (option) {
        var keep = !option.value || option.selected || option.text.toLowerCase().indexOf(wanted) !== -1;
        option.hidden = !keep;
        option.disabled = !keep;
      });
      var visible = options.filter(function (o) { return o.value && !o.hidden; });
      if (visible.length === 1) select.value = visible[0].value;
    });
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(help, select);
    select.parentNode.insertBefore(filter, select);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-reveal]").forEach(revealToggle);
    document.querySelectorAll("input[data-copy], textarea[data-copy]").forEach(copyButton);
    document.querySelectorAll("select[data-filter-label]").forEach(regionFilter);
  });
})();
