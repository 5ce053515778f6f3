// The page at /, enhanced: the events drawn on a vis-timeline (a row per thread), and a
// day slider that hides at once what was not yet publicly known (or read otherwise
// then), and asks the server for the page of that day: each thread's state and its
// events as amended then, from one answer, so that the two always agree. The timeline
// draws only the window in view, from the API (/api/v1/window): the events, and where a
// thread has too many to draw, clusters counting them by week, month, year...; panning
// and zooming ask for the new window, and an item already drawn is updated in place.
// Every text the script makes goes into the page as text (textContent, text nodes),
// never as markup; the server's page is parsed inert (DOMParser runs no script) and
// autoescaped.
"use strict";

(function () {
  const DAY_MS = 86400000;
  const range = document.getElementById("asof-range");
  const form = document.getElementById("asof-form");
  const dateInput = document.getElementById("asof-date");
  const shownOutput = document.getElementById("asof-shown");
  const statusLine = document.getElementById("asof-status");
  const container = document.getElementById("timeline");
  const first = range.dataset.first;
  let asked = 0; // the latest request: an earlier answer arriving late is dropped
  let pending = null;

  // Days are YYYY-MM-DD, years 0001 to 9999 (Date would read 0050 as 1950: the year is
  // set on its own); arithmetic in UTC so a daylight-saving change never skips one.
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  function utcOf(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    const t = new Date(Date.UTC(2000, m - 1, d));
    t.setUTCFullYear(y);
    return t.getTime();
  }
  function isoOf(year, month, day) {
    if (year < 1) return "0001-01-01";
    if (year > 9999) return "9999-12-31";
    return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  }
  function dayAt(offset) {
    const t = new Date(utcOf(first) + offset * DAY_MS);
    return isoOf(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
  }
  function offsetOf(iso) {
    return Math.round((utcOf(iso) - utcOf(first)) / DAY_MS);
  }
  // vis-timeline draws in local time: midnight local of that day
  function localDate(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    const date = new Date(2000, m - 1, d);
    date.setFullYear(y);
    return date;
  }
  function isoOfLocal(date) {
    return isoOf(date.getFullYear(), date.getMonth() + 1, date.getDate());
  }
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  // public by then, not retracted by then, and reading then as it does in this page
  function knownOn(data, iso) {
    const announced = Boolean(data.announced) && data.announced <= iso; // scheduled
    return (
      (data.known <= iso || announced) &&
      !(data.retracted && data.retracted <= iso) &&
      !(data.amended && data.amended > iso)
    );
  }

  let events = Array.from(document.querySelectorAll("li.event"));
  let sections = Array.from(document.querySelectorAll("section.thread"));
  let shownDay = document.body.dataset.shownAsof;

  function familyOf(li) {
    const found = Array.from(li.classList).find((c) => c.startsWith("family-"));
    return found || "family-other";
  }
  // each event type's family (its colour), as the server groups them
  const families = container ? JSON.parse(container.dataset.families || "{}") : {};
  function familyOfType(type) {
    return `family-${Object.prototype.hasOwnProperty.call(families, type) ? families[type] : "other"}`;
  }
  function dayAfter(iso) {
    return new Date(localDate(iso).getTime() + DAY_MS);
  }

  // An event's items: its box (or range, for an imprecise date), and for one made public
  // later a hatched bar from the end of its date to the day it became known.
  function itemsOf(d) {
    const family = familyOfType(d.type);
    const item = {
      id: `${d.thread}/${d.id}`,
      group: d.thread,
      content: el("span", "item-title", d.title),
      start: localDate(d.start),
      known: d.known,
      announced: d.announced || "",
      amended: d.amended || "",
      className: `type-${d.type} ${family}`,
      signature: `${d.start} ${d.end} ${d.known} ${d.announced} ${d.amended} ${d.type} ${d.title}`,
    };
    if (d.announced) item.className += " scheduled"; // drawn dotted: it lies ahead
    if (d.end !== d.start) {
      // an imprecise date (a month, a year) covers its days: end is exclusive
      item.type = "range";
      item.end = dayAfter(d.end);
    } else {
      item.type = "box";
    }
    if (d.imprecise) item.className += " imprecise";
    const made = [item];
    const late = Math.round((localDate(d.known) - localDate(d.end)) / DAY_MS);
    if (!d.announced && late > 0) {
      made.push({
        id: `${item.id}#gap`,
        event: item.id,
        group: d.thread,
        content: "",
        type: "range",
        start: dayAfter(d.end),
        end: dayAfter(d.known),
        known: d.known,
        amended: item.amended,
        className: "gap",
        title: `made public on ${d.known}, ${late} days later`,
        signature: `gap ${d.end} ${d.known}`,
      });
    }
    return made;
  }

  // A cluster: a thread's events in one unit (a week, a month, a year...), counted. Its
  // colour is its most frequent type's family; clicking it zooms in.
  function clusterItem(c) {
    const top = Object.keys(c.types)[0];
    const label = `${c.count} events`;
    return {
      id: `cluster:${c.thread}:${c.start}`,
      cluster: c,
      group: c.thread,
      content: el("span", "cluster-count", label),
      type: "range",
      start: localDate(c.start),
      end: dayAfter(c.end),
      className: `cluster ${familyOfType(top)}${c.late ? " has-late" : ""}`,
      signature: `${c.end} ${c.count} ${c.late} ${JSON.stringify(c.types)}`,
    };
  }

  // The popover of an event: its list entry's texts (never markup), by the point clicked.
  const popover = document.getElementById("popover");
  function placePopover(x, y, close) {
    popover.hidden = false;
    const box = popover.getBoundingClientRect();
    popover.style.left = `${Math.max(8, Math.min(x, window.innerWidth - box.width - 8))}px`;
    popover.style.top = `${Math.max(8, Math.min(y + 12, window.innerHeight - box.height - 8))}px`;
    close.focus();
  }
  function startPopover(family, titleText) {
    popover.replaceChildren();
    popover.className = `popover ${family}`;
    const close = el("button", "close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", () => (popover.hidden = true));
    const title = el("h3", "", titleText);
    title.id = "popover-title";
    popover.append(close, title);
    return close;
  }
  function recordLink(thread, eventId) {
    const record = el("a", "", "As recorded, with its amendments (JSON)");
    record.href = `/api/v1/events/${encodeURIComponent(thread)}/${encodeURIComponent(eventId)}`;
    return record;
  }
  async function openPopover(id, x, y) {
    if (!popover) return;
    const [thread, eventId] = id.split("/");
    const li = document.getElementById(`event-${thread}--${eventId}`);
    if (!li) {
      openFetchedPopover(thread, eventId, x, y);
      return;
    }
    const close = startPopover(familyOf(li), li.querySelector(".title").textContent);
    for (const part of li.querySelectorAll("p.meta, p.summary, p.sources")) {
      popover.append(document.adoptNode(part.cloneNode(true)));
    }
    const when = el("p", "meta", `${li.querySelector("time").textContent} · ${li.querySelector(".type").textContent}`);
    popover.insertBefore(when, popover.querySelector("h3").nextSibling);
    const link = el("a", "", "In the thread's list");
    link.href = `#${li.id}`;
    const links = el("p", "meta");
    links.append(link, document.createTextNode(" · "), recordLink(thread, eventId));
    popover.append(links);
    placePopover(x, y, close);
  }
  // An event the list does not hold (the timeline draws more than each thread's latest):
  // the API's answer for it, as known on the day shown.
  async function openFetchedPopover(thread, eventId, x, y) {
    const path = `/api/v1/events/${encodeURIComponent(thread)}/${encodeURIComponent(eventId)}`;
    let e;
    try {
      const response = await fetch(`${path}?asof=${shownDay}`, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      e = await response.json();
    } catch (error) {
      statusLine.textContent = `Could not load ${thread}/${eventId}: ${error.message}.`;
      return;
    }
    const close = startPopover(familyOfType(e.type), e.title);
    popover.append(el("p", "meta", `${e.date} · ${e.type}`));
    const meta = [(e.actors || []).join(", ")];
    if (e.known && e.known !== e.date) meta.push(`public on ${e.known}`);
    popover.append(el("p", "meta", meta.join(" · ")));
    if (e.summary) popover.append(el("p", "summary", e.summary));
    const sources = (e.sources || []).filter((s) => s && s.name);
    if (sources.length) {
      const p = el("p", "sources", "Sources: ");
      sources.forEach((s, n) => {
        if (n) p.append(document.createTextNode("; "));
        if (typeof s.url === "string" && /^https?:\/\//i.test(s.url)) {
          const a = el("a", "", s.name);
          a.href = s.url;
          a.rel = "external noopener noreferrer";
          p.append(a);
        } else {
          p.append(document.createTextNode(s.name));
        }
      });
      popover.append(p);
    }
    const links = el("p", "meta");
    links.append(recordLink(thread, eventId));
    popover.append(links);
    placePopover(x, y, close);
  }
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && popover) popover.hidden = true;
  });

  function groupsOf(shown) {
    return shown.map((s, order) => ({
      id: s.dataset.thread,
      content: el("span", "group-title", s.dataset.title),
      order: order,
    }));
  }

  // The window of the timeline drawn: the API's answer for the days in view (and as
  // much again on each side, so that a short pan asks nothing), as known on the day
  // shown, with the page's filters. An item already drawn is updated in place.
  const IN_VIEW = 1000; // items drawn in view at most: the window holds as many each side
  // the first window, as the page named it (the browser fetched it while reading the page)
  const firstWindow = container ? container.dataset.firstWindow : "";
  let windowAsked = 0;
  let windowWanted = ""; // the query of the latest window asked
  let lastAnswer = null; // the window drawn: drawn again when the rows change
  let fetched = null; // the window drawn: its days, the day it is known on, its zoom
  function filtersQuery(params) {
    const page = new URLSearchParams(window.location.search);
    for (const name of ["thread", "actor", "type", "text"]) {
      for (const value of page.getAll(name)) if (value) params.append(name, value);
    }
    return params;
  }
  function initialView() {
    // the log's span, not the items' boxes: a long title would widen the view
    return {
      start: new Date(localDate(first).getTime() - 10 * DAY_MS),
      end: new Date(localDate(dayAt(Number(range.max))).getTime() + 4 * DAY_MS),
    };
  }
  async function loadWindow(force) {
    if (!container || typeof vis === "undefined") return;
    const view = drawn ? drawn.timeline.getWindow() : initialView();
    const span = view.end - view.start;
    const from = isoOfLocal(new Date(view.start.getTime() - span / 2));
    const to = isoOfLocal(new Date(view.end.getTime() + span / 2));
    const asof = shownDay;
    const held = fetched;
    if (!force && held && held.asof === asof && held.from <= isoOfLocal(view.start) &&
        held.to >= isoOfLocal(view.end) && held.span < span * 1.5 && held.span > span / 1.5) {
      return; // the window held covers what is in view, at about this zoom
    }
    const limit = String(IN_VIEW * 2);
    const params = filtersQuery(new URLSearchParams({ from, to, asof, limit }));
    // the first window is the one the page named, which the browser fetched ahead
    const address = !drawn && firstWindow ? firstWindow : `/api/v1/window?${params.toString()}`;
    if (address === windowWanted) return; // asked already, on its way
    windowWanted = address;
    const mine = ++windowAsked;
    try {
      const response = await fetch(address); // (no headers of its own: as fetched ahead)
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const answer = await response.json();
      if (mine !== windowAsked || !drawn) return;
      lastAnswer = answer;
      apply(answer);
      fetched = { from: answer.from, to: answer.to, asof, span };
      container.dataset.drawnAsof = asof;
      container.dataset.drawnAt = String(Math.round(performance.now())); // ms since navigation
      container.dataset.drawnItems = String(drawn.items.length);
      container.dataset.unit = answer.unit;
      container.dataset.windowEvents = String(answer.events);
    } catch (error) {
      if (mine === windowAsked) {
        windowWanted = "";
        statusLine.textContent = `Could not load the timeline: ${error.message}.`;
      }
    }
  }
  function apply(answer) {
    const groups = new Set(drawn.groups.getIds());
    const made = answer.drawn.flatMap(itemsOf).concat(answer.clusters.map(clusterItem));
    const wanted = made.filter((item) => groups.has(item.group));
    const ids = new Set(wanted.map((item) => item.id));
    const gone = drawn.items.getIds().filter((id) => !ids.has(id));
    const changed = wanted.filter((item) => {
      const held = drawn.items.get(item.id);
      return !held || held.signature !== item.signature;
    });
    if (gone.length) drawn.items.remove(gone);
    if (changed.length) drawn.items.update(changed);
  }

  let windowPending = null;
  function windowSoon(force, wait) {
    clearTimeout(windowPending);
    windowPending = setTimeout(() => loadWindow(force), wait);
  }

  function buildTimeline() {
    if (typeof vis === "undefined" || !container) return null;
    const groups = new vis.DataSet(groupsOf(sections));
    const items = new vis.DataSet([]);
    // an event drawn is hidden at once when the day moves before it became public (the
    // window of the new day follows); a cluster waits for it
    const visible = new vis.DataView(items, {
      filter: (item) => Boolean(item.cluster) || knownOn(item, shownDay),
    });
    container.hidden = false;
    const timeline = new vis.Timeline(container, visible, groups, {
      orientation: "top",
      stack: true,
      zoomKey: "ctrlKey",
      maxHeight: "70vh",
      margin: { item: 4 },
      groupOrder: "order",
      ...initialView(),
    });
    timeline.addCustomTime(localDate(shownDay), "asof");
    timeline.on("timechanged", (props) => {
      if (props.id === "asof") show(isoOfLocal(props.time));
    });
    timeline.on("rangechanged", () => windowSoon(false, 200));
    timeline.on("click", (props) => {
      if (!props.item) {
        if (popover) popover.hidden = true;
        return;
      }
      const found = items.get(props.item);
      if (found && found.cluster) {
        // a cluster: zoom in on its unit, whose events the next window draws
        const c = found.cluster;
        const kinds = Object.entries(c.types).map(([type, n]) => `${n} ${type}`).join(", ");
        statusLine.textContent = `${c.count} events of ${c.thread}, ${c.start} to ${c.end}: ${kinds}.`;
        timeline.setWindow(localDate(c.start), dayAfter(c.end));
        return;
      }
      const id = (found && found.event) || String(props.item);
      const where = props.event && props.event.center ? props.event.center : props.event;
      openPopover(id, where ? where.x || where.clientX || 0 : 0, where ? where.y || where.clientY || 0 : 0);
    });
    return { timeline, visible, items, groups };
  }

  // The address of a day's page: the filters asked (thread, actor, type, text) kept, so
  // that a view can be shared; ``since``, for the changes counted since the day before.
  function queryFor(iso, since) {
    const params = new URLSearchParams(window.location.search);
    params.set("asof", iso);
    params.delete("since");
    if (since && since < iso) params.set("since", since);
    const hidden = document.querySelector("#filters input[name='asof']");
    if (hidden) hidden.value = iso;
    return `?${params.toString()}`;
  }

  // The page of that day, from the server: each thread's section (its state and its
  // events as amended then) takes the place of the one shown.
  async function loadDay(iso, since) {
    const mine = ++asked;
    statusLine.textContent = `Loading what was known by the end of ${iso}…`;
    try {
      const response = await fetch(`/${queryFor(iso, since)}`, {
        headers: { Accept: "text/html" },
      });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      if (mine !== asked) return;
      const glance = document.getElementById("glance");
      const freshGlance = doc.getElementById("glance");
      if (glance && freshGlance) glance.replaceWith(document.adoptNode(freshGlance));
      // the day's threads take the place of those shown: with filters, a thread may
      // come or go with the day
      const fresh = Array.from(doc.querySelectorAll("section.thread"));
      const main = document.querySelector("main");
      const place = sections.length ? sections[0] : null;
      for (const section of fresh) main.insertBefore(document.adoptNode(section), place);
      for (const section of sections) section.remove();
      sections = Array.from(document.querySelectorAll("section.thread"));
      events = Array.from(document.querySelectorAll("li.event"));
      if (drawn) {
        const fresh = groupsOf(sections);
        const ids = new Set(fresh.map((g) => g.id));
        drawn.groups.remove(drawn.groups.getIds().filter((id) => !ids.has(id)));
        drawn.groups.update(fresh);
        if (lastAnswer) apply(lastAnswer); // a thread new to the page gets its items
      }
      document.body.dataset.shownAsof = iso;
      statusLine.textContent = `Showing what was publicly known by the end of ${iso}.`;
    } catch (error) {
      if (mine === asked) statusLine.textContent = `Could not load ${iso}: ${error.message}.`;
    }
  }

  let drawn = null;

  // Move the page to a day: at once for the events drawn, then the new day's window and
  // page from the server: after a pause while the slider moves (a held arrow key or a
  // drag asks the server once, not once a day), at once when it is let go.
  let loadedDay = document.body.dataset.shownAsof; // the day whose states are shown
  let requested = loadedDay; // the day last asked of the server
  let timerFor = null; // the day a request waits its pause for (null: none waits)
  function show(asked, pause = 150) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asked)) return;
    // as the server does: no day after today, whose state could show what is not public
    const iso = dateInput.max && asked > dateInput.max ? dateInput.max : asked;
    shownDay = iso;
    range.value = String(offsetOf(iso));
    range.setAttribute("aria-valuetext", iso);
    shownOutput.textContent = iso;
    dateInput.value = iso;
    document.title = `timeline: as publicly known on ${iso}`;
    for (const li of events) li.hidden = !knownOn(li.dataset, iso);
    if (drawn) {
      drawn.visible.refresh();
      drawn.timeline.setCustomTime(localDate(iso), "asof");
    }
    history.replaceState(null, "", queryFor(iso));
    // a day asked for already (a date input's change, then its form's submit): no new
    // request, unless it still waits, when the shorter pause wins
    if (iso === requested && timerFor === null) return;
    requested = iso;
    timerFor = iso;
    clearTimeout(pending);
    clearTimeout(windowPending);
    pending = setTimeout(async () => {
      timerFor = null;
      const since = loadedDay;
      loadedDay = iso;
      await loadWindow(true); // the timeline first: the lists and states follow
      if (shownDay === iso) loadDay(iso, since); // else a later move asks for its own
    }, pause);
  }

  range.addEventListener("input", () => show(dayAt(Number(range.value))));
  range.addEventListener("change", () => show(dayAt(Number(range.value)), 0));
  dateInput.addEventListener("change", () => show(dateInput.value, 0));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show(dateInput.value, 0);
  });
  document.getElementById("asof-slider").hidden = false;
  // the first window is asked for while the timeline is laid out
  loadWindow(true);
  drawn = buildTimeline();
})();
