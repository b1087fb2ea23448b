// Each dashboard chart's Chart.js configuration, built from its JSON (server/dashboard/dashboard.charts.ts): one file
// for both drawings of a chart. The page loads it before charts.js (window.PledgeCharts); the server requires it to
// draw the same chart as a link's card (server/platform/chart-image.ts). What differs between the two comes in
// `env`: a blank canvas for a pattern's tile, and where a click leads.
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.PledgeCharts = factory();
})(this, function () {
  'use strict';

  // Okabe–Ito colours: distinguishable with every common colour-vision deficiency.
  var COLORS = {
    us: '#0072B2',
    nonUs: '#E69F00',
    unknown: '#999999',
    line: '#1d3557',
    event: '#D55E00',
    concession: '#CC79A7',
    lever: '#009E73',
    taken: '#D55E00',
    result: '#009E73',
  };

  // A white canvas, so that a downloaded PNG (or a card) reads on any background.
  var whiteBackground = {
    id: 'whiteBackground',
    beforeDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.globalCompositeOperation = 'destination-over';
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };

  /**
   * A number as Intl.NumberFormat writes it by default (at most three decimals; 1,234.5 in English, 1.234,5 in
   * German), without Intl: a fresh renderer's first Intl formatter loads ICU's data for the locale, 25-65 ms before
   * the first chart can draw (docs/performance.md). The same as Intl's for every number below 1e21 (2.4 million
   * random and edge values compared, in both languages; tests/dashboard/chart-formats.test.ts keeps the edges).
   */
  function formatNumber(value, german) {
    // Rounded as Intl rounds: the shortest decimal that reads back as the number (String), half away from zero.
    var text = String(Math.abs(value));
    if (text.indexOf('e') !== -1) text = Math.abs(value) < 1 ? '0' : text;
    var point = text.indexOf('.');
    var whole = point === -1 ? text : text.slice(0, point);
    var fraction = point === -1 ? '' : text.slice(point + 1);
    if (fraction.length > 3) {
      var digits = whole + fraction.slice(0, 3);
      if (fraction.charAt(3) >= '5') {
        var last = digits.length - 1;
        while (last >= 0 && digits.charAt(last) === '9') last--;
        var zeros = digits.slice(last + 1).replace(/9/g, '0');
        digits = last < 0 ? '1' + zeros : digits.slice(0, last) + String(Number(digits.charAt(last)) + 1) + zeros;
      }
      whole = digits.slice(0, digits.length - 3);
      fraction = digits.slice(digits.length - 3).replace(/0+$/, '');
    }
    var sign = value < 0 || Object.is(value, -0) ? '-' : '';
    return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, german ? '.' : ',') + (fraction ? (german ? ',' : '.') + fraction : '');
  }

  /**
   * A chart's words and number formats, in the page's language: env.lang ('en' or 'de') and env.words (the
   * "chart" group of views/locales/LANG.json, which the page embeds and the server's drawing reads).
   */
  function speech(env) {
    var german = env.lang === 'de';
    var w = env.words;
    var number = function (value) {
      return formatNumber(value, german);
    };
    return {
      w: w,
      /** $500B; 500 Mrd. $ in German. */
      billions: function (value) {
        var rounded = Math.abs(value) >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
        return german ? number(rounded) + '\u00a0Mrd.\u00a0$' : '$' + number(rounded) + 'B';
      },
      percent: function (value) {
        return number(value) + (german ? '\u00a0%' : '%');
      },
      count: number,
      /** "1 pledge", "3 pledges", "1 Zusage", "3 Zusagen". */
      pledges: function (n) {
        return number(n) + ' ' + (n === 1 ? w.pledge : w.pledges);
      },
      /** A time (ms) as its month and year in UTC: Sept 2024, Sept. 2024 (the locale's short months, w.months). */
      monthYear: function (time) {
        var date = new Date(time);
        return w.months[date.getUTCMonth()] + ' ' + date.getUTCFullYear();
      },
    };
  }

  /** The height a bar chart needs for its bars (server/dashboard/dashboard.embed.ts sizes an embed's frame alike). */
  function barsHeight(bars) {
    return Math.max(200, 70 + bars * 42);
  }

  /** A diagonally hatched fill: what is inferred or unknown, told apart without colour alone. */
  function hatch(env, color) {
    var size = 8;
    var tile = env.canvas(size, size);
    var ctx = tile.getContext('2d');
    ctx.fillStyle = color;
    ctx.fillRect(0, 0, size, size);
    ctx.strokeStyle = 'rgba(255,255,255,0.8)';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(0, size);
    ctx.lineTo(size, 0);
    ctx.stroke();
    return ctx.createPattern(tile, 'repeat');
  }

  // A bar's label, cut to fit the narrow chart of a phone or a 320 px frame: the axis may take at most half the
  // chart's width, and Chart.js would clip a longer label at the canvas's edge.
  function fitLabel(value) {
    var label = this.getLabelForValue(value);
    var most = Math.max(12, Math.floor(this.chart.width / 15));
    var lines = Array.isArray(label) ? label : [label];
    return lines.map(function (line) { return line.length > most ? line.slice(0, most - 1) + '…' : line; });
  }

  function amounts(d, env) {
    var s = speech(env);
    return {
      type: 'bar',
      data: {
        labels: d.labels,
        datasets: [
          { label: s.w.us, data: d.us, backgroundColor: COLORS.us },
          { label: s.w.outsideUs, data: d.nonUs, backgroundColor: COLORS.nonUs },
          { label: s.w.usShareUnknown, data: d.unknownShare, backgroundColor: hatch(env, COLORS.unknown) },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: {
          // An "all others" bar that would flatten the rest is cut at the axis's end (its label says so).
          x: { stacked: true, beginAtZero: true, max: d.axisMax === null ? undefined : d.axisMax, title: { display: true, text: s.w.billionsAxis }, ticks: { callback: s.billions } },
          y: { stacked: true, ticks: { autoSkip: false, callback: fitLabel } },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ': ' + s.billions(item.parsed.x);
              },
              title: function (items) {
                return items.length ? d.names[items[0].dataIndex] : '';
              },
              footer: function (items) {
                return items.length ? s.w.total + ' ' + d.totals[items[0].dataIndex] : '';
              },
            },
          },
        },
      },
    };
  }

  function usShare(d, env) {
    var s = speech(env);
    var usPattern = hatch(env, COLORS.us);
    var nonUsPattern = hatch(env, COLORS.nonUs);
    return {
      type: 'bar',
      data: {
        labels: d.labels,
        datasets: [
          {
            label: s.w.us,
            data: d.usPct,
            backgroundColor: d.inferred.map(function (inferred) { return inferred ? usPattern : COLORS.us; }),
          },
          {
            label: s.w.outsideUs,
            data: d.nonUsPct,
            backgroundColor: d.inferred.map(function (inferred) { return inferred ? nonUsPattern : COLORS.nonUs; }),
          },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: {
          x: { stacked: true, min: 0, max: 100, ticks: { callback: s.percent } },
          y: { stacked: true, ticks: { autoSkip: false, callback: fitLabel } },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              label: function (item) {
                var basis = d.inferred[item.dataIndex] ? ' (' + s.w.inferred + ')' : '';
                return item.dataset.label + ': ' + s.percent(Math.round(item.parsed.x * 10) / 10) + basis;
              },
            },
          },
        },
      },
    };
  }

  /**
   * The political events as dashed vertical lines, each with its date and title in a white box on the line, read
   * upwards; under the data, so that a box hides neither the pledges' line nor the concessions' diamonds.
   * Drawn here rather than by chartjs-plugin-annotation, which took 100-200 ms of a dashboard's drawing in Chromium
   * on the bench's machine for the 40 events of the 2025 dataset, resolving each line's options through Chart.js.
   */
  function eventLines(events) {
    var FONT_SIZE = 10;
    var LINE_HEIGHT = 12;
    var PADDING = 3;
    return {
      id: 'eventLines',
      beforeDatasetsDraw: function (chart) {
        var area = chart.chartArea;
        var scale = chart.scales.x;
        var ctx = chart.ctx;
        var shown = events
          .map(function (event) { return { x: scale.getPixelForValue(event.x), lines: [event.date].concat(event.lines) }; })
          .filter(function (event) { return event.x >= area.left && event.x <= area.right; });
        ctx.save();
        ctx.beginPath();
        ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
        ctx.clip();
        ctx.strokeStyle = COLORS.event;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([6, 4]);
        shown.forEach(function (event) {
          ctx.beginPath();
          ctx.moveTo(event.x, area.top);
          ctx.lineTo(event.x, area.bottom);
          ctx.stroke();
        });
        ctx.setLineDash([]);
        ctx.font = 'bold ' + FONT_SIZE + 'px ' + chart.options.font.family;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'middle';
        var middle = (area.top + area.bottom) / 2;
        shown.forEach(function (event) {
          // Measured along the text, which runs upwards: a box `long` tall and `across` wide once turned.
          var long = Math.max.apply(null, event.lines.map(function (line) { return ctx.measureText(line).width; })) + 2 * PADDING;
          var across = event.lines.length * LINE_HEIGHT + 2 * PADDING;
          ctx.save();
          ctx.translate(event.x, middle);
          ctx.rotate(-Math.PI / 2);
          ctx.fillStyle = 'rgba(255,255,255,0.9)';
          ctx.fillRect(-long / 2, -across / 2, long, across);
          ctx.fillStyle = '#7a2b00';
          event.lines.forEach(function (line, i) {
            ctx.fillText(line, -long / 2 + PADDING, -across / 2 + PADDING + (i + 0.5) * LINE_HEIGHT);
          });
          ctx.restore();
        });
        ctx.restore();
      },
    };
  }

  function timeline(d, env) {
    var s = speech(env);
    var concessions = d.concessions || [];
    var xs = d.points.map(function (p) { return p.x; })
      .concat(d.events.map(function (e) { return e.x; }))
      .concat(concessions.map(function (c) { return c.x; }));
    // Each concession: from its pledge's point to a diamond at the concession's date, then a gap before the next.
    var joins = [];
    concessions.forEach(function (c) {
      joins.push({ x: c.px, y: c.y }, { x: c.x, y: c.y }, { x: c.x, y: null });
    });
    var day = 24 * 3600 * 1000;
    var min = Math.min.apply(null, xs) - 10 * day;
    var max = Math.max.apply(null, xs) + 10 * day;
    return {
      type: 'line',
      data: {
        datasets: [
          {
            label: s.w.cumulativePledged,
            data: d.points.map(function (p) { return { x: p.x, y: p.y }; }),
            stepped: 'before',
            borderColor: COLORS.line,
            backgroundColor: COLORS.line,
            pointBackgroundColor: d.points.map(function (p) { return p.disclosed ? COLORS.line : '#ffffff'; }),
            pointBorderColor: COLORS.line,
            pointBorderWidth: 2,
            // Point area grows with the amount; undisclosed amounts are small hollow points.
            pointRadius: d.points.map(function (p) { return p.r; }),
            pointHoverRadius: d.points.map(function (p) { return p.r + 2; }),
          },
          {
            // A legend entry for the event markers, which eventLines draws.
            label: s.w.politicalEvent,
            data: [],
            borderColor: COLORS.event,
            borderDash: [6, 4],
            backgroundColor: COLORS.event,
          },
          {
            label: s.w.concessionJoined,
            data: joins,
            // Drawn last, over the pledges' points: a concession on the day of its pledge stays visible.
            order: -1,
            spanGaps: false,
            borderColor: COLORS.concession,
            borderWidth: 2,
            borderDash: [2, 3],
            backgroundColor: COLORS.concession,
            pointStyle: 'rectRot',
            // A diamond at the concession's end only; none at the pledge's end or in the gaps.
            pointRadius: joins.map(function (_p, i) { return i % 3 === 1 ? 7 : 0; }),
            pointHoverRadius: joins.map(function (_p, i) { return i % 3 === 1 ? 9 : 0; }),
            pointHitRadius: joins.map(function (_p, i) { return i % 3 === 1 ? 6 : 0; }),
          },
        ],
      },
      options: {
        parsing: false,
        scales: {
          x: {
            type: 'linear',
            min: min,
            max: max,
            ticks: { callback: s.monthYear, maxTicksLimit: 8 },
          },
          y: { beginAtZero: true, title: { display: true, text: s.w.billionsAxis }, ticks: { callback: s.billions } },
        },
        plugins: {
          // The legend in the datasets' order, whatever their drawing order.
          legend: { position: 'bottom', labels: { sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } } },
          tooltip: {
            callbacks: {
              title: function (items) {
                if (items[0].datasetIndex === 2) {
                  var c = concessions[Math.floor(items[0].dataIndex / 3)];
                  return c ? c.date + ': ' + s.w.concession : '';
                }
                var p = d.points[items[0].dataIndex];
                return p ? p.date + ': ' + p.label : '';
              },
              label: function (item) {
                if (item.datasetIndex === 2) {
                  var c = concessions[Math.floor(item.dataIndex / 3)];
                  return c ? c.line : '';
                }
                var p = d.points[item.dataIndex];
                return p ? [p.amount, s.w.cumulative + ' ' + s.billions(item.parsed.y)] : '';
              },
            },
          },
        },
      },
      plugins: [eventLines(d.events)],
    };
  }

  function levers(d, env) {
    var s = speech(env);
    return {
      type: 'bar',
      data: {
        labels: d.labels,
        datasets: [{ label: s.w.disclosedPledged, data: d.amounts, backgroundColor: COLORS.lever }],
      },
      options: {
        scales: {
          x: { ticks: { autoSkip: false } },
          y: { beginAtZero: true, title: { display: true, text: s.w.billionsAxis }, ticks: { callback: s.billions } },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              label: function (item) {
                var i = item.dataIndex;
                var undisclosed = d.undisclosed[i] ? ' (' + s.count(d.undisclosed[i]) + ' ' + s.w.undisclosed + ')' : '';
                return [d.totals[i], s.pledges(d.counts[i]) + undisclosed];
              },
            },
          },
        },
      },
    };
  }

  function perYear(d, env) {
    var s = speech(env);
    var inferredPattern = hatch(env, COLORS.us);
    return {
      type: 'bar',
      data: {
        labels: d.labels,
        datasets: [
          {
            label: s.w.perYearLegend,
            data: d.values,
            backgroundColor: d.inferred.map(function (inferred) { return inferred ? inferredPattern : COLORS.us; }),
          },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: {
          x: { beginAtZero: true, title: { display: true, text: s.w.billionsPerYearAxis }, ticks: { callback: s.billions } },
          y: { ticks: { autoSkip: false, callback: fitLabel } },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              title: function (items) {
                return items.length ? d.names[items[0].dataIndex] : '';
              },
              label: function (item) {
                return d.totals[item.dataIndex];
              },
            },
          },
        },
      },
    };
  }

  // Announced, each step as a floating bar from what it left to what it found, and new US investment. A bar leads,
  // on click, to the table of the pledges behind it (its row in the table below links there too).
  function waterfall(d, env) {
    var s = speech(env);
    var last = d.codes.length - 1;
    var only = function (keep) {
      return d.bars.map(function (bar, i) { return keep(i) ? bar : null; });
    };
    return {
      type: 'bar',
      data: {
        labels: d.labels,
        datasets: [
          { label: s.w.announced, data: only(function (i) { return i === 0; }), backgroundColor: COLORS.us },
          { label: s.w.takenOff, data: only(function (i) { return i > 0 && i < last; }), backgroundColor: COLORS.taken },
          { label: d.labels[last], data: only(function (i) { return i === last; }), backgroundColor: COLORS.result },
        ],
      },
      options: {
        indexAxis: 'y',
        grouped: false,
        skipNull: true,
        scales: {
          x: { beginAtZero: true, title: { display: true, text: s.w.billionsAxis }, ticks: { callback: s.billions } },
          y: { ticks: { autoSkip: false, callback: fitLabel } },
        },
        onClick: function (event, elements) {
          if (elements.length) env.follow(d.links[elements[0].index]);
        },
        onHover: function (event, elements) {
          if (event.native) event.native.target.style.cursor = elements.length ? 'pointer' : 'default';
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              label: function (item) {
                var i = item.dataIndex;
                var lines = [(i > 0 && i < last ? '−' : '') + d.totals[i]];
                if (d.counts[i] !== null) lines.push(s.pledges(d.counts[i]));
                if (d.notes[i]) lines.push(d.notes[i]);
                return lines;
              },
              footer: function () {
                return s.w.clickForPledges;
              },
            },
          },
        },
      },
    };
  }

  return {
    formatNumber: formatNumber,
    COLORS: COLORS,
    whiteBackground: whiteBackground,
    speech: speech,
    barsHeight: barsHeight,
    /** By chart name (as in /embed/NAME and chart-NAME): the chart's data → its configuration. */
    configs: {
      waterfall: waterfall,
      amounts: amounts,
      'per-year': perYear,
      'us-share': usShare,
      levers: levers,
      timeline: timeline,
    },
  };
});
