// Form conveniences that work without inline code: add and remove source rows, focus the error summary.
(function () {
  'use strict';

  var summary = document.getElementById('error-summary');
  if (summary) summary.focus();

  var fieldset = document.querySelector('[data-max-rows]');
  var template = document.getElementById('source-row-template');
  if (!fieldset || !template) return;
  var list = fieldset.querySelector('.source-rows');
  var addButton = fieldset.querySelector('[data-add-row]');
  var max = Number(fieldset.getAttribute('data-max-rows'));

  function usedIndexes() {
    return Array.prototype.map.call(list.querySelectorAll('input[name^="source_url_"]'), function (input) {
      return Number(input.name.slice('source_url_'.length));
    });
  }

  function refresh() {
    addButton.hidden = usedIndexes().length >= max;
    list.querySelectorAll('[data-remove-row]').forEach(function (button) {
      button.hidden = false;
    });
  }

  addButton.addEventListener('click', function () {
    var used = usedIndexes();
    var index = 0;
    while (used.indexOf(index) !== -1) index++;
    if (index >= max) return;
    var html = template.innerHTML.replace(/__INDEX__/g, String(index));
    list.insertAdjacentHTML('beforeend', html);
    refresh();
    list.lastElementChild.querySelector('input').focus();
  });

  list.addEventListener('click', function (event) {
    var button = event.target.closest('[data-remove-row]');
    if (!button) return;
    button.closest('.source-row').remove();
    refresh();
    addButton.focus();
  });

  refresh();
})();
