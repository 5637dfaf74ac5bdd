/* The dataflow destination step: of the fields grouped under each choice (a fieldset per mode, readable
   without JavaScript), show only those of the chosen mode. Hidden fields stay in the form, so what was typed
   under the other choice is kept and sent back; the server only reads the chosen mode's fields. */
(function () {
  "use strict";
  var groups = document.querySelectorAll("fieldset[data-mode]");
  if (!groups.length) return;
  var name = groups[0].dataset.mode;
  var radios = document.querySelectorAll('input[type="radio"][name="' + name + '"]');

  function update() {
    var chosen = document.querySelector('input[type="radio"][name="' + name + '"]:checked');
    groups.forEach(function (group) {
      group.hidden = !chosen || group.dataset.value !== chosen.value;
    });
  }

  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
