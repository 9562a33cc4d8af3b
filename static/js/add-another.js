/* "Add another innovation" in place, without a round trip. Without JavaScript the same
   button posts the form and the server adds a blank form (so nothing depends on this). */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  var button = document.querySelector('button[name="add_another"]');
  var template = document.getElementById("innovation-template");
  var forms = document.getElementById("innovation-forms");
  var total = document.getElementById("id_innovations-TOTAL_FORMS");
  if (!button || !template || !forms || !total || !("content" in template)) { return; }
  var max = parseInt(button.getAttribute("data-max"), 10) || 20;

  button.addEventListener("click", function (event) {
    var count = parseInt(total.value, 10) || 0;
    if (count >= max) { return; }  /* let the server say so */
    event.preventDefault();
    var html = template.innerHTML
      .replace(/__prefix__/g, String(count))
      .replace(/__number__/g, String(count + 1));
    forms.insertAdjacentHTML("beforeend", html);
    total.value = String(count + 1);
    var added = forms.querySelectorAll("[data-innovation-form]");
    var title = added[added.length - 1].querySelector("input");
    if (title) { title.focus(); }
    if (count + 1 >= max) { button.hidden = true; }
  });
})();
