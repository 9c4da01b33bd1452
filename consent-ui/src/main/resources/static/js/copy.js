// Progressive enhancement for one-time secret pages: reveals a Copy button next to the read-only field. The page
// works without it (select the field and copy). Loaded only where the page's CSP allows script-src 'self'.
(function () {
  'use strict';
  document.querySelectorAll('button[data-copy-target]').forEach(function (button) {
    var field = document.getElementById(button.getAttribute('data-copy-target'));
    var status = document.getElementById(button.getAttribute('data-copy-status'));
    if (!field) {
      return;
    }
    var say = function (text) {
      if (status) {
        status.textContent = text;
      }
    };
    button.hidden = false;
    button.addEventListener('click', function () {
      field.focus();
      field.select();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(function () {
          say('Copied to the clipboard.');
        }, function () {
          say('Copy failed: the field is selected, press Ctrl+C or ⌘C.');
        });
      } else {
        say('The field is selected: press Ctrl+C or ⌘C.');
      }
    });
  });
})();
