// Draws the charts whose canvas the page holds, from the JSON the server embedded in #chart-data: every chart on the
// dashboard, one on an embed (/embed/NAME, body.embed). No fetch, no inline code.
(function () {
  'use strict';

  var source = document.getElementById('chart-data');
  if (!source || typeof Chart === 'undefined' || !window.PledgeCharts) return;
  var data = JSON.parse(source.textContent);
  // In another site's frame: what a chart links to opens in a tab of its own, not in the frame (which this
  // site's pages refuse to be drawn in).
  var embedded = document.body.classList.contains('embed');

  var charts = window.PledgeCharts;
  // What a drawing in the page needs that the server's does not: a canvas for a pattern's tile, and a click's way out.
  // The page's language and the charts' words in it (views/locales/LANG.json, "chart"), beside the charts' data.
  var speech = data.speech;
  var env = {
    lang: speech.lang,
    words: speech.words,
    canvas: function (width, height) {
      var canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      return canvas;
    },
    follow: function (href) {
      if (embedded) window.open(href, '_blank', 'noopener');
      else window.location.href = href;
    },
  };

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#1b1f24';
  Chart.defaults.maintainAspectRatio = false;
  // Drawn at once, without the entry animation: the figures are what a reader came for.
  Chart.defaults.animation = false;

  Chart.register(charts.whiteBackground);

  // Lets a test or a screenshot tool know that each chart has been drawn at least once.
  Chart.register({
    id: 'drawnMarker',
    afterRender: function (chart) {
      if (chart.canvas.hasAttribute('data-drawn')) return;
      chart.canvas.setAttribute('data-drawn', 'true');
      // When, in milliseconds after navigation started: the benchmark reads it.
      chart.canvas.setAttribute('data-drawn-at', String(Math.round(performance.now())));
    },
  });

  // Each chart the page has a canvas for (chart-NAME), from its data (KEY in #chart-data), in the configuration
  // public/js/chart-configs.js builds. A bar chart's box grows with its bars.
  function draw(name, key, bars) {
    var canvas = document.getElementById('chart-' + name);
    var d = data[key];
    if (!canvas || !d) return;
    if (bars) canvas.parentElement.style.height = charts.barsHeight(d.labels.length) + 'px';
    new Chart(canvas, charts.configs[name](d, env));
  }

  // "Download PNG" under each chart: the canvas as drawn, with no inline code.
  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-download-png]');
    if (!button) return;
    var canvas = document.getElementById(button.getAttribute('data-download-png'));
    canvas.toBlob(function (blob) {
      var link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = button.getAttribute('data-filename') + '.png';
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    }, 'image/png');
  });

  // "Copy the code" beside an embed code: the textarea's text to the clipboard (selected, where the clipboard's API
  // is refused: a page over plain HTTP).
  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-copy]');
    if (!button) return;
    var id = button.getAttribute('data-copy');
    var field = document.getElementById(id);
    var status = document.querySelector('[data-copied="' + id + '"]');
    // The words come with the page, in its language.
    var done = function (copied) { if (status) status.textContent = status.getAttribute(copied ? 'data-copied-text' : 'data-selected-text'); };
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () { done(false); });
    else done(document.execCommand && document.execCommand('copy'));
  });

  // Printed pages are narrower than the screen: redraw every chart at the paper's width.
  window.addEventListener('beforeprint', function () {
    Object.values(Chart.instances).forEach(function (chart) { chart.resize(); });
  });

  // An embed shows its drawing only where scripts run (its table stands in otherwise).
  document.querySelectorAll('[data-drawing]').forEach(function (box) { box.hidden = false; });

  draw('waterfall', 'waterfall', true);
  draw('amounts', 'amounts', true);
  draw('us-share', 'usShare', true);
  draw('per-year', 'perYear', true);
  draw('timeline', 'timeline', false);
  draw('levers', 'levers', false);

  // Drawn: an embed's table stays for screen readers only.
  document.querySelectorAll('[data-table-until-drawn]').forEach(function (table) { table.classList.add('visually-hidden'); });
})();
