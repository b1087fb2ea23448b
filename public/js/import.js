// The import page: a progress bar while the upload is read (the server is asked how far it has got), and a
// note while a confirmed import is written.
(function () {
  'use strict';

  // The preview's confirm: the pledges page opens once every row is written, seconds later for a large file.
  var confirmForm = document.querySelector('form[action="/pledges/import/confirm"]');
  if (confirmForm) {
    confirmForm.addEventListener('submit', function () {
      var button = confirmForm.querySelector('button[type=submit]');
      // Disabled once the submission is under way: a second click would only be refused.
      setTimeout(function () {
        button.disabled = true;
      }, 0);
      document.getElementById('import-writing').hidden = false;
    });
  }

  var box = document.getElementById('import-progress');
  if (!box) return;
  var form = box.closest('form');
  var bar = box.querySelector('progress');
  var text = document.getElementById('import-progress-text');
  var url = box.getAttribute('data-progress-url');

  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(function (state) {
        if (state && state.phase !== 'waiting') {
          bar.value = state.percent;
          // The words and the number format in the page's language (data-read, data-reading, data-locale).
          text.textContent = box
            .getAttribute(state.phase === 'done' ? 'data-read' : 'data-reading')
            .replace('{n}', state.rows.toLocaleString(box.getAttribute('data-locale') || 'en-US'))
            .replace('{percent}', String(state.percent));
        }
        // The page is replaced by the preview when the server answers; until then, keep asking.
        setTimeout(poll, 300);
      })
      .catch(function () {
        setTimeout(poll, 1000);
      });
  }

  form.addEventListener('submit', function () {
    if (!form.querySelector('input[type=file]').value) return;
    box.hidden = false;
    bar.removeAttribute('value');
    setTimeout(poll, 300);
  });
})();
